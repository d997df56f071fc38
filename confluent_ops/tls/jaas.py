"""JAAS configuration for SASL: quoting that survives any password, broker and client side.

Kafka reads ``sasl.jaas.config`` (and Java reads JAAS files) with ``java.io.StreamTokenizer``:
option values are double-quoted strings in which a backslash starts an escape and a line break
ends the string early. A password holding ``"``, ``\\`` or a newline, pasted unquoted, silently
becomes a different password, or a parse error at start-up. :func:`jaas_quote` escapes exactly
what the tokenizer interprets, and :func:`parse_jaas_config` reads text back the way Kafka's
``JaasConfig`` does, so the round trip is testable for every string.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model.secret import Secret

__all__ = [
    "JaasLoginModule",
    "SaslCredentials",
    "SaslMechanism",
    "jaas_quote",
    "parse_jaas_config",
]

_OPTION_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.$-]*")
_JAAS_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_JAAS_UNESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class SaslMechanism(enum.Enum):
    """The SASL mechanisms built here, with the login module each one uses."""

    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"

    @property
    def login_module(self) -> str:
        """The JAAS login module class for this mechanism."""
        if self is SaslMechanism.PLAIN:
            return "org.apache.kafka.common.security.plain.PlainLoginModule"
        return "org.apache.kafka.common.security.scram.ScramLoginModule"


def _check_username(_: object, __: object, username: str) -> None:
    if not username or any(ord(c) < 32 for c in username):
        raise InvalidInput("a SASL user name must be non-empty and free of control characters")


@attrs.frozen
class SaslCredentials:
    """A user name and its password (a Secret) for one SASL mechanism."""

    username: str = attrs.field(validator=_check_username)
    password: Secret
    mechanism: SaslMechanism = SaslMechanism.PLAIN

    @classmethod
    def plain(cls, username: str, password: str | Secret) -> SaslCredentials:
        """PLAIN credentials (the password is wrapped in a Secret when given as a string)."""
        secret = password if isinstance(password, Secret) else Secret(password)
        return cls(username=username, password=secret, mechanism=SaslMechanism.PLAIN)

    @classmethod
    def scram(
        cls,
        username: str,
        password: str | Secret,
        mechanism: SaslMechanism = SaslMechanism.SCRAM_SHA_512,
    ) -> SaslCredentials:
        """SCRAM credentials (SHA-512 unless told otherwise)."""
        if mechanism is SaslMechanism.PLAIN:
            raise InvalidInput("SCRAM credentials need a SCRAM mechanism")
        secret = password if isinstance(password, Secret) else Secret(password)
        return cls(username=username, password=secret, mechanism=mechanism)


def jaas_quote(value: str) -> str:
    """``value`` as a double-quoted JAAS string that the tokenizer reads back unchanged."""
    return '"' + "".join(_JAAS_ESCAPES.get(c, c) for c in value) + '"'


def _option_value(value: str | Secret) -> str:
    return jaas_quote(value.reveal() if isinstance(value, Secret) else value)


@attrs.frozen(repr=False)
class JaasLoginModule:
    """One login module entry: class, control flag and options (values may be Secrets)."""

    class_name: str
    options: tuple[tuple[str, str | Secret], ...]
    flag: str = "required"

    def __attrs_post_init__(self) -> None:
        for key, _ in self.options:
            if not _OPTION_KEY.fullmatch(key):
                raise InvalidInput(
                    f"JAAS option name {key!r} is not a word the JAAS tokenizer reads "
                    "(letters, digits, '_', '.', '$', '-'; a letter first)"
                )

    @classmethod
    def for_client(cls, credentials: SaslCredentials) -> JaasLoginModule:
        """What a client (or a broker talking to other brokers) logs in with."""
        return cls(
            class_name=credentials.mechanism.login_module,
            options=(("username", credentials.username), ("password", credentials.password)),
        )

    @classmethod
    def for_broker(
        cls,
        mechanism: SaslMechanism,
        *,
        inter_broker: SaslCredentials | None = None,
        users: Iterable[SaslCredentials] = (),
    ) -> JaasLoginModule:
        """The broker side of one mechanism on one listener.

        PLAIN brokers authenticate clients against ``user_<name>="<password>"`` options, so the
        PLAIN users are listed here (their names must be JAAS words). SCRAM brokers check
        credentials stored in the cluster metadata, so only the broker's own login (for
        inter-broker traffic) appears. ``inter_broker`` is the user this broker connects as.
        """
        options: list[tuple[str, str | Secret]] = []
        if inter_broker is not None:
            options += [("username", inter_broker.username), ("password", inter_broker.password)]
        if mechanism is SaslMechanism.PLAIN:
            listed = list(users)
            if inter_broker is not None and inter_broker.username not in {
                u.username for u in listed
            }:
                listed.insert(0, inter_broker)
            options += [(f"user_{user.username}", user.password) for user in listed]
        return cls(class_name=mechanism.login_module, options=tuple(options))

    def to_jaas_config(self) -> str:
        """The value of a ``sasl.jaas.config`` property. Holds passwords: never log it."""
        parts = [self.class_name, self.flag]
        parts += [f"{key}={_option_value(value)}" for key, value in self.options]
        return " ".join(parts) + ";"

    def to_jaas_file(self, section: str) -> str:
        """A JAAS file section (``KafkaServer``, ``Client``...). Holds passwords: mode 0600."""
        lines = [f"{section} {{", f"  {self.class_name} {self.flag}"]
        lines += [f"  {key}={_option_value(value)}" for key, value in self.options]
        lines[-1] += ";"
        return "\n".join(lines) + "\n};\n"

    def __repr__(self) -> str:
        keys = ", ".join(key for key, _ in self.options)
        return f"JaasLoginModule({self.class_name} {self.flag}; options: {keys})"


def _tokens(text: str) -> list[tuple[str, str]]:
    """The tokens Java's StreamTokenizer makes of a JAAS text, as Kafka configures it."""
    tokens: list[tuple[str, str]] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char <= " ":
            index += 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = length if end < 0 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end < 0 else end + 2
        elif char in "\"'":
            value: list[str] = []
            index += 1
            while index < length and text[index] not in (char, "\n", "\r"):
                current = text[index]
                if current == "\\" and index + 1 < length:
                    index += 1
                    escaped = text[index]
                    if "0" <= escaped <= "7":
                        digits = escaped
                        limit = 3 if escaped <= "3" else 2
                        while (
                            len(digits) < limit
                            and index + 1 < length
                            and "0" <= text[index + 1] <= "7"
                        ):
                            index += 1
                            digits += text[index]
                        value.append(chr(int(digits, 8)))
                    else:
                        value.append(_JAAS_UNESCAPES.get(escaped, escaped))
                else:
                    value.append(current)
                index += 1
            index += 1  # the closing quote (or the line break that ended the string)
            tokens.append(("string", "".join(value)))
        elif char.isalnum() or char in "_$-." or ord(char) >= 160:
            start = index
            while index < length and (
                text[index].isalnum() or text[index] in "_$-." or ord(text[index]) >= 160
            ):
                index += 1
            tokens.append(("word", text[start:index]))
        else:
            tokens.append(("char", char))
            index += 1
    return tokens


def parse_jaas_config(text: str) -> tuple[tuple[str, str, dict[str, str]], ...]:
    """Read a ``sasl.jaas.config`` value as Kafka's ``JaasConfig`` does.

    Returns ``(login module class, flag, options)`` for each entry. Raises
    :class:`~confluent_ops.errors.InvalidInput` where Kafka would refuse the text (the message
    names the position, never a value).
    """
    tokens = _tokens(text)
    entries: list[tuple[str, str, dict[str, str]]] = []
    position = 0

    def take(kind: str, what: str) -> str:
        nonlocal position
        if position >= len(tokens) or tokens[position][0] != kind:
            raise InvalidInput(f"JAAS config: expected {what} at token {position}")
        value = tokens[position][1]
        position += 1
        return value

    while position < len(tokens):
        class_name = take("word", "a login module class")
        flag = take("word", "a control flag")
        if flag.upper() not in {"REQUIRED", "REQUISITE", "SUFFICIENT", "OPTIONAL"}:
            raise InvalidInput(f"JAAS config: unknown control flag at token {position - 1}")
        options: dict[str, str] = {}
        while position < len(tokens) and tokens[position] != ("char", ";"):
            key = take("word", "an option name")
            if take("char", "'='") != "=":
                raise InvalidInput(f"JAAS config: expected '=' at token {position - 1}")
            if position < len(tokens) and tokens[position][0] in ("string", "word"):
                options[key] = tokens[position][1]
                position += 1
            else:
                raise InvalidInput(f"JAAS config: expected a value at token {position}")
        if take("char", "';'") != ";":
            raise InvalidInput(f"JAAS config: expected ';' at token {position - 1}")
        entries.append((class_name, flag, options))
    if not entries:
        raise InvalidInput("JAAS config: no login module")
    return tuple(entries)
