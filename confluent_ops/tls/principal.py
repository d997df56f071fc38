"""Which Kafka principal a client certificate becomes: ``ssl.principal.mapping.rules``.

A broker with ``ssl.client.auth=required`` names a TLS client after its certificate's subject,
rendered as Java renders it (RFC 2253: ``CN=alice,OU=eng,O=Acme,C=US``), then rewritten by the
first mapping rule that matches. ACLs are written against the result, so a wrong rule means a
client that authenticates but is denied everything, found only in production. This module
renders distinguished names exactly as Java's ``X500Principal.getName()`` does and evaluates
rules with the semantics of Kafka's ``SslPrincipalMapper``, so the principal can be seen (and
tested) before any broker is configured.
"""

from __future__ import annotations

import re

import attrs
from cryptography import x509
from cryptography.x509.oid import NameOID

from confluent_ops.errors import InvalidPrincipalMappingRule

__all__ = [
    "PrincipalMapper",
    "PrincipalMappingRule",
    "distinguished_name",
]

# The attribute keywords Java prints in RFC 2253 form; any other attribute is printed as its
# dotted OID and the hex of its DER-encoded value (sun.security.x509.AVAKeyword).
_RFC2253_KEYWORDS = {
    NameOID.COMMON_NAME: "CN",
    NameOID.COUNTRY_NAME: "C",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID",
}
_JAVA_ESCAPED = ',=+<>#;"\\'


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _der_value(attribute: x509.NameAttribute[str]) -> bytes:
    tag = attribute._type.value  # the ASN.1 string type is only kept there
    value = attribute.value
    if tag == 30:  # BMPString
        content = value.encode("utf-16-be")
    elif tag == 28:  # UniversalString
        content = value.encode("utf-32-be")
    else:
        content = value.encode("utf-8")
    return bytes([tag]) + _der_length(len(content)) + content


def _escape_value(value: str) -> str:
    escaped = "".join(
        f"\\{c}" if c in _JAVA_ESCAPED else ("\\00" if c == "\0" else c) for c in value
    )
    lead = len(escaped) - len(escaped.lstrip(" \r"))
    trail = len(escaped) - len(escaped.rstrip(" \r"))
    body = escaped[lead : len(escaped) - trail]
    head = "".join(f"\\{c}" for c in escaped[:lead])
    tail = "".join(f"\\{c}" for c in escaped[len(escaped) - trail :])
    return head + body + tail


def _attribute(attribute: x509.NameAttribute[str]) -> str:
    keyword = _RFC2253_KEYWORDS.get(attribute.oid)
    if keyword is None:
        return f"{attribute.oid.dotted_string}=#{_der_value(attribute).hex()}"
    return f"{keyword}={_escape_value(attribute.value)}"


def distinguished_name(name: x509.Name) -> str:
    """``name`` as Java's ``X500Principal.getName()`` prints it (RFC 2253).

    This is the string Kafka hands to the principal mapping rules, and the principal itself
    when the rule is ``DEFAULT``. The most specific RDN comes first (``CN=...`` before
    ``C=...``); attributes without an RFC 2253 keyword (such as ``emailAddress``) are printed as
    ``OID=#hex`` as Java does, which is why rules should match on ``CN``/``OU``/``O``.
    """
    rdns = []
    for rdn in reversed(name.rdns):
        rdns.append("+".join(_attribute(a) for a in rdn))  # type: ignore[arg-type]
    return ",".join(rdns)


# Kafka's own grammar (org.apache.kafka.common.security.ssl.SslPrincipalMapper).
_RULE_PATTERN = r"(DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?).*?|(.*?)"
_RULE_SPLITTER = re.compile(r"\s*(" + _RULE_PATTERN + r")\s*(,\s*|$)")
_RULE_PARSER = re.compile(_RULE_PATTERN)
_BACK_REFERENCE = re.compile(r"\$(\d+)")
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def _java_find_all(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match as Java's ``Matcher.find()`` loop sees them (empty matches advance by one)."""
    matches = []
    position = 0
    while position <= len(text):
        match = pattern.search(text, position)
        if match is None:
            break
        matches.append(match)
        position = match.end() + 1 if match.end() == match.start() else match.end()
    return matches


def _guard_back_references(replacement: str, group_count: int) -> str:
    """Kafka's guard: a ``$n`` naming a group the pattern lacks becomes a literal ``$n``.

    Positions come from the original text while insertions go into the copy, as in Kafka.
    """
    if group_count == 0:
        return replacement
    result = replacement
    for match in _BACK_REFERENCE.finditer(replacement):
        digits = match.group(1)
        if digits.startswith("0"):
            continue
        number = int(digits)
        while number > group_count and number >= 10:
            number //= 10
        if number > group_count:
            start = match.start(1)
            result = result[: start - 1] + "\\" + result[start - 1 :]
    return result


Piece = str | int


def _parse_replacement(replacement: str, group_count: int, rule: str) -> tuple[Piece, ...]:
    """Java's ``Matcher.appendReplacement`` grammar: ``\\x`` is a literal x, ``$n`` a group."""
    pieces: list[Piece] = []
    literal: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\":
            index += 1
            if index >= len(replacement):
                raise InvalidPrincipalMappingRule(rule, "character to be escaped is missing")
            literal.append(replacement[index])
            index += 1
        elif char == "$":
            index += 1
            if index >= len(replacement) or not replacement[index].isdigit():
                raise InvalidPrincipalMappingRule(rule, "illegal group reference in replacement")
            number = int(replacement[index])
            index += 1
            while index < len(replacement) and replacement[index].isdigit():
                candidate = number * 10 + int(replacement[index])
                if candidate > group_count:
                    break
                number = candidate
                index += 1
            if number > group_count:
                raise InvalidPrincipalMappingRule(rule, f"no group {number} in the pattern")
            if literal:
                pieces.append("".join(literal))
                literal = []
            pieces.append(number)
        else:
            literal.append(char)
            index += 1
    if literal:
        pieces.append("".join(literal))
    return tuple(pieces)


@attrs.frozen
class PrincipalMappingRule:
    """One rule: ``DEFAULT`` (``pattern`` is None), or ``RULE:pattern/replacement/[L|U]``.

    Patterns use Java's regular-expression syntax; the common subset (groups, classes,
    quantifiers, anchors, named groups ``(?<n>...)``) is evaluated here as Java evaluates it.
    """

    pattern: str | None = None
    replacement: str = ""
    case: str = attrs.field(default="", validator=attrs.validators.in_(("", "L", "U")))
    _compiled: re.Pattern[str] | None = attrs.field(init=False, repr=False, eq=False)
    _pieces: tuple[Piece, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.pattern is None:
            object.__setattr__(self, "_compiled", None)
            object.__setattr__(self, "_pieces", ())
            return
        text = self.to_kafka()
        try:
            compiled = re.compile(_NAMED_GROUP.sub("(?P<", self.pattern))
        except re.error as error:
            raise InvalidPrincipalMappingRule(text, f"pattern does not compile: {error}") from None
        guarded = _guard_back_references(self.replacement, compiled.groups)
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_pieces", _parse_replacement(guarded, compiled.groups, text))

    @property
    def is_default(self) -> bool:
        """Whether this is ``DEFAULT``: the distinguished name itself is the principal."""
        return self.pattern is None

    def apply(self, name: str) -> str | None:
        """The principal this rule makes of ``name``, or None when its pattern does not match.

        As in Kafka: the pattern must match the whole name; then every match of it in the name
        is replaced (Java's ``String.replaceAll``), and the result is lower- or upper-cased.
        """
        compiled = self._compiled
        if compiled is None:
            return name
        if compiled.fullmatch(name) is None:
            return None
        out: list[str] = []
        last = 0
        for match in _java_find_all(compiled, name):
            out.append(name[last : match.start()])
            out.extend(p if isinstance(p, str) else (match.group(p) or "") for p in self._pieces)
            last = match.end()
        out.append(name[last:])
        result = "".join(out)
        if self.case == "L":
            return result.lower()
        if self.case == "U":
            return result.upper()
        return result

    def to_kafka(self) -> str:
        """The rule as ``ssl.principal.mapping.rules`` spells it."""
        if self.pattern is None:
            return "DEFAULT"
        return f"RULE:{self.pattern}/{self.replacement}/{self.case}"


@attrs.frozen
class PrincipalMapper:
    """An ordered list of mapping rules: the first that matches names the principal."""

    rules: tuple[PrincipalMappingRule, ...] = (PrincipalMappingRule(),)

    @classmethod
    def from_kafka(cls, rules: str | None) -> PrincipalMapper:
        """Parse ``ssl.principal.mapping.rules`` as Kafka does (None means ``DEFAULT``).

        Rules are separated by commas; empty rules are ignored; a rule Kafka would refuse at
        start-up raises :class:`~confluent_ops.errors.InvalidPrincipalMappingRule`.
        """
        text = "DEFAULT" if rules is None else rules
        parsed = []
        for split in _java_find_all(_RULE_SPLITTER, text.strip()):
            rule = split.group(1)
            match = _RULE_PARSER.match(rule)
            if match is None or match.end() != len(rule):
                unmatched = rule[match.end() :] if match else rule
                raise InvalidPrincipalMappingRule(rule, f"unmatched substring {unmatched!r}")
            if match.group(1) is not None:
                parsed.append(PrincipalMappingRule())
            elif match.group(2) is not None:
                parsed.append(
                    PrincipalMappingRule(
                        pattern=match.group(2), replacement=match.group(4), case=match.group(6)
                    )
                )
        return cls(rules=tuple(parsed))

    def to_kafka(self) -> str:
        """The value of ``ssl.principal.mapping.rules`` for these rules."""
        return ",".join(rule.to_kafka() for rule in self.rules)

    def name_for(self, distinguished: str | x509.Name | x509.Certificate) -> str | None:
        """The principal name for a DN, a subject or a certificate; None if no rule applies.

        Kafka refuses the connection when no rule applies (``NoMatchingRule``), so None here
        means "this client cannot authenticate", not "anonymous".
        """
        if isinstance(distinguished, x509.Certificate):
            distinguished = distinguished.subject
        if isinstance(distinguished, x509.Name):
            distinguished = distinguished_name(distinguished)
        for rule in self.rules:
            result = rule.apply(distinguished)
            if result is not None:
                return result
        return None

    def principal_for(self, distinguished: str | x509.Name | x509.Certificate) -> str | None:
        """The principal as ACLs name it (``User:<name>``); None if no rule applies."""
        name = self.name_for(distinguished)
        return None if name is None else f"User:{name}"
