"""JAAS text that Kafka reads back exactly, whatever the password holds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tls_helpers import ask_kafka

from confluent_ops.errors import InvalidInput
from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    ClientSecurity,
    JaasLoginModule,
    SaslCredentials,
    SaslMechanism,
    jaas_quote,
    java_properties_text,
    parse_jaas_config,
)

NASTY = [
    *['"', "\\", '\\"', "\n", "\r", "\t", " ", ";", "=", "#", "!", ":", "'", "}", "{"],
    *["//", "/*", "*/", "\\n", "\\u0041", "\u00e9", "\u20ac", "\U0001f600", "\0", "\x7f"],
    "\u2028",
]


def _nasty_passwords(count: int, seed: int) -> list[str]:
    generator = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    alphabet = [*NASTY, *"abcXYZ019-_$."]
    return [
        "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 24)))
        for _ in range(count)
    ]


@given(st.text())
def test_jaas_quoting_round_trips_any_password(password: str) -> None:
    module = JaasLoginModule.for_client(SaslCredentials.plain("alice", password))
    ((class_name, flag, options),) = parse_jaas_config(module.to_jaas_config())
    assert class_name == SaslMechanism.PLAIN.login_module
    assert flag == "required"
    assert options == {"username": "alice", "password": password}


@given(st.text(), st.text(min_size=1).filter(lambda s: not any(ord(c) < 32 for c in s)))
def test_broker_plain_jaas_round_trips_every_user_password(password: str, username: str) -> None:
    admin = SaslCredentials.plain("admin", password)
    module = JaasLoginModule.for_broker(SaslMechanism.PLAIN, inter_broker=admin)
    ((_, _, options),) = parse_jaas_config(module.to_jaas_config())
    assert options == {"username": "admin", "password": password, "user_admin": password}


def test_a_quoted_value_ends_at_the_closing_quote_only() -> None:
    assert jaas_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_plain_broker_module_lists_users_and_scram_lists_none() -> None:
    admin = SaslCredentials.plain("admin", "admin-pw")
    alice = SaslCredentials.plain("alice", "alice-pw")
    plain = JaasLoginModule.for_broker(SaslMechanism.PLAIN, inter_broker=admin, users=[alice])
    assert plain.to_jaas_config() == (
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
        'password="admin-pw" user_admin="admin-pw" user_alice="alice-pw";'
    )
    scram_admin = SaslCredentials.scram("admin", "pw")
    scram = JaasLoginModule.for_broker(SaslMechanism.SCRAM_SHA_512, inter_broker=scram_admin)
    assert scram.to_jaas_config() == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" '
        'password="pw";'
    )


def test_a_jaas_file_section_reads_like_kafka_server_jaas_conf() -> None:
    module = JaasLoginModule.for_client(SaslCredentials.plain("kafka", 'p"w'))
    assert module.to_jaas_file("Client") == (
        "Client {\n  org.apache.kafka.common.security.plain.PlainLoginModule required\n"
        '  username="kafka"\n  password="p\\"w";\n};\n'
    )


def test_user_names_that_are_not_jaas_words_are_refused_on_the_broker_side() -> None:
    with pytest.raises(InvalidInput, match="JAAS option name"):
        JaasLoginModule.for_broker(
            SaslMechanism.PLAIN, users=[SaslCredentials.plain("alice@corp", "pw")]
        )


def test_the_repr_of_a_login_module_and_credentials_hides_passwords() -> None:
    credentials = SaslCredentials.plain("alice", "s3cr3t-value")
    for text in (repr(credentials), repr(JaasLoginModule.for_client(credentials))):
        assert "s3cr3t" not in text


def test_kafka_reads_back_every_nasty_password(tmp_path: Path) -> None:
    """Kafka's own JaasContext, given our sasl.jaas.config directly and through a properties
    file read by java.util.Properties, recovers each password exactly."""
    passwords = _nasty_passwords(150, seed=20261125) + NASTY
    tasks: list[tuple[str, ...]] = []
    for index, password in enumerate(passwords):
        credentials = SaslCredentials.plain("alice", password)
        tasks.append(("jaas", JaasLoginModule.for_client(credentials).to_jaas_config()))
        path = tmp_path / f"client-{index}.properties"
        path.write_text(
            ClientSecurity.sasl_plaintext(credentials).to_java_properties_text(), encoding="latin-1"
        )
        tasks.append(("propjaas", str(path)))
    answers = ask_kafka(tasks)
    for index, password in enumerate(passwords):
        assert answers[2 * index] == password, f"jaas, password #{index}"
        assert answers[2 * index + 1] == password, f"properties, password #{index}"


def test_properties_text_escapes_what_java_would_misread() -> None:
    text = java_properties_text({"a key": "=value:#!\\", "k": " lead", "u": "\u20ac\U0001f600"})
    assert text == ("a\\ key=\\=value\\:\\#\\!\\\\\nk=\\ lead\nu=\\u20AC\\uD83D\\uDE00\n")


def test_secret_passwords_are_accepted_as_they_are() -> None:
    credentials = SaslCredentials.scram("bob", Secret("pw"), SaslMechanism.SCRAM_SHA_256)
    assert credentials.password == Secret("pw")
    with pytest.raises(InvalidInput):
        SaslCredentials.scram("bob", "pw", SaslMechanism.PLAIN)
    with pytest.raises(InvalidInput):
        SaslCredentials.plain("", "pw")
