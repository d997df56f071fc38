"""Principals as Kafka makes them: Java's RFC 2253 names and SslPrincipalMapper's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from tls_helpers import ask_kafka

from confluent_ops.errors import InvalidPrincipalMappingRule
from confluent_ops.tls import (
    CertificateAuthority,
    CertificateUsage,
    PrincipalMapper,
    PrincipalMappingRule,
    distinguished_name,
)

KAFKA_RULES = ", ".join(
    [
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L",
        "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L",
        "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U",
        "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U",
        "DEFAULT",
    ]
)

CASES = [
    (KAFKA_RULES, "CN=Duke,OU=ServiceUsers,O=Org,C=US", "duke"),
    (KAFKA_RULES, "CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US", "duke@sme"),
    (KAFKA_RULES, "cn=duke,ou=sme,dc=mycp,dc=com", "DUKE@SME"),
    (KAFKA_RULES, "cN=duke,OU=JavaSoft,O=Sun Microsystems", "DUKE"),
    (KAFKA_RULES, "OU=JavaSoft,O=Sun Microsystems,C=US", "OU=JavaSoft,O=Sun Microsystems,C=US"),
    ("RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT", "CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz",
     "Tkac\\, Adam"),
    ("RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1/", "CN=alice,OU=eng,O=Acme,C=US", "alice"),
    ("RULE:^CN=(.*?),OU=(.*?),.*$/$2:$1/U", "CN=alice,OU=eng,O=Acme,C=US", "ENG:ALICE"),
    ("RULE:^CN=([^,]*),.*$/$1@$9/", "CN=alice,OU=eng,O=Acme,C=US", "alice@$9"),
    ("RULE:^CN=([^,]*),.*$/$12/", "CN=alice,OU=eng", "alice2"),
    ("RULE:^CN=([^,]*),.*$/\\$1/", "CN=alice,OU=eng", "$1"),
    ("RULE:^CN=(?<user>[^,]*),.*$/$1/", "CN=alice,OU=eng", "alice"),
    ("RULE:.*/x/", "CN=alice", "xx"),
    ("RULE:^CN=admin,.*$/admin/", "CN=alice,OU=eng", None),
    ("", "CN=alice", None),
    ("DEFAULT", "CN=alice,OU=eng,O=Acme,C=US", "CN=alice,OU=eng,O=Acme,C=US"),
]  # fmt: skip


@pytest.mark.parametrize(("rules", "name", "expected"), CASES)
def test_rules_evaluate_as_kafka_documents(rules: str, name: str, expected: str | None) -> None:
    assert PrincipalMapper.from_kafka(rules).name_for(name) == expected


def test_our_evaluation_agrees_with_kafkas_own_mapper() -> None:
    """Every case above, asked of org.apache.kafka...SslPrincipalMapper itself."""
    answers = ask_kafka([("map", rules, name) for rules, name, _ in CASES])
    ours = [PrincipalMapper.from_kafka(rules).name_for(name) for rules, name, _ in CASES]
    assert answers == ours


@pytest.mark.parametrize(
    "rules",
    ["default", "DEFAUL", "DEFAULT/L", "RULE:CN=(.*?),OU=ServiceUsers.*/$1",
     "rule:^CN=(.*?),OU=ServiceUsers.*$/$1/", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U",
     "RULE:^CN=(.*?),OU=ServiceUsers.*$/L", "RULE:^CN=(.*?),OU=ServiceUsers.*$/LU",
     "RULE:^CN=(.*$/$1/"],
)  # fmt: skip
def test_rules_kafka_refuses_at_start_up_are_refused(rules: str) -> None:
    with pytest.raises(InvalidPrincipalMappingRule):
        PrincipalMapper.from_kafka(rules)


def test_rules_render_back_to_the_property_value() -> None:
    mapper = PrincipalMapper(
        rules=(PrincipalMappingRule(pattern="^CN=(.*?),.*$", replacement="$1", case="L"),
               PrincipalMappingRule())
    )  # fmt: skip
    assert mapper.to_kafka() == "RULE:^CN=(.*?),.*$/$1/L,DEFAULT"
    assert PrincipalMapper.from_kafka(mapper.to_kafka()) == mapper


def test_a_client_certificate_becomes_the_principal_the_acls_name(
    rsa_ca: CertificateAuthority,
) -> None:
    client = rsa_ca.issue_client(
        "alice", organizational_unit="eng", organization="Acme", country="US"
    )
    assert PrincipalMapper().principal_for(client.certificate) == "User:CN=alice,OU=eng,O=Acme,C=US"
    mapper = PrincipalMapper.from_kafka("RULE:^CN=([^,]*),.*$/$1/,DEFAULT")
    assert mapper.principal_for(client.certificate) == "User:alice"


def _rdn(*attributes: x509.NameAttribute[str]) -> x509.RelativeDistinguishedName:
    return x509.RelativeDistinguishedName(attributes)


ODD_NAMES = [
    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alice")]),
    x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme, Inc."),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "R+D"),
            x509.NameAttribute(NameOID.COMMON_NAME, ' "quoted" #1; a=b <x> \\ '),
        ]
    ),
    x509.Name(
        [
            x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example"),
            x509.NameAttribute(NameOID.USER_ID, "u42"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "alice@example.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Zoë Ünïcode"),
        ]
    ),
    x509.Name(
        [
            _rdn(x509.NameAttribute(NameOID.LOCALITY_NAME, "Zürich")),
            _rdn(x509.NameAttribute(NameOID.SERIAL_NUMBER, "1234")),
            _rdn(
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ops"),
                x509.NameAttribute(NameOID.COMMON_NAME, "multi"),
            ),
        ]
    ),
]


def test_distinguished_names_read_as_java_prints_them(
    tmp_path: Path, rsa_ca: CertificateAuthority
) -> None:
    tasks = []
    for index, name in enumerate(ODD_NAMES):
        issued = rsa_ca.issue("odd", subject=name, usage=CertificateUsage.CLIENT, validity_days=1)
        path = tmp_path / f"{index}.pem"
        path.write_text(issued.certificate_pem())
        tasks.append(("dn", str(path)))
    assert ask_kafka(tasks) == [distinguished_name(name) for name in ODD_NAMES]
