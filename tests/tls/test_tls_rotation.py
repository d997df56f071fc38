"""Expiry, renewal and CA rollover, as plans a person can read before a runbook runs them."""

from __future__ import annotations

import datetime

import pytest

from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.tls import (
    CaRollover,
    CertificateAuthority,
    CertificateSummary,
    ComponentTlsState,
    ComponentTrust,
    KeyType,
    RenewalPlan,
    RolloverPhase,
    expiry_timeline,
    trust_gaps,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def deployment(
    rsa_ca: CertificateAuthority,
) -> tuple[CertificateAuthority, list[ComponentTrust], dict[str, object]]:
    issued = {
        "kafka-0": rsa_ca.issue_server("kafka-0", dns_names=("kafka-0.local",), validity_days=10),
        "kafka-1": rsa_ca.issue_server("kafka-1", dns_names=("kafka-1.local",), validity_days=29),
        "alice": rsa_ca.issue_client("alice", validity_days=20),
    }
    components = [ComponentTrust.from_issued(i, [rsa_ca.root]) for i in issued.values()]
    components.append(ComponentTrust(name="anonymous-consumer", presents=(), trusts=(rsa_ca.root,)))
    return rsa_ca, components, issued


def test_the_timeline_names_who_breaks_when(deployment) -> None:  # type: ignore[no-untyped-def]
    ca, components, _ = deployment
    events = expiry_timeline(components)
    assert [e.subject for e in events][:2] == ["CN=kafka-0", "CN=alice"]
    first = events[0]
    assert ("kafka-0", "its own certificate expires; peers refuse it") in first.breaks
    assert {name for name, _ in first.breaks} == {
        "kafka-0",
        "kafka-1",
        "alice",
        "anonymous-consumer",
    }
    ca_event = next(e for e in events if e.is_ca)
    assert ca_event.at == ca.not_after
    broken = {name for name, _ in ca_event.breaks}
    assert broken == {"kafka-0", "kafka-1", "alice", "anonymous-consumer"}


def test_renewal_plan_picks_leaves_inside_the_window(deployment) -> None:  # type: ignore[no-untyped-def]
    ca, components, issued = deployment
    plan = RenewalPlan.for_components(components, renew_within_days=25)
    assert plan.components == ("kafka-0", "alice")
    assert plan.items[0].days_left in (9, 10)
    renewed = plan.reissue(ca, issued, validity_days=25)
    assert set(renewed) == {"kafka-0", "alice"}
    assert renewed["kafka-0"].dns_names == ("kafka-0.local",)
    assert renewed["kafka-0"].subject == "CN=kafka-0"
    assert renewed["kafka-0"].private_key is not issued["kafka-0"].private_key
    assert renewed["kafka-0"].not_after > issued["kafka-0"].not_after


def test_renewal_window_must_be_positive(deployment) -> None:  # type: ignore[no-untyped-def]
    _, components, _ = deployment
    with pytest.raises(InvalidCertificateRequest):
        RenewalPlan.for_components(components, renew_within_days=0)


def test_ca_rollover_in_three_phases_never_leaves_a_gap(rsa_ca: CertificateAuthority) -> None:
    new = CertificateAuthority.self_signed(
        "test-ca-2027", key_type=KeyType.EC_P256, validity_days=60
    )
    rollover = CaRollover.plan(rsa_ca, new, ["zookeeper-0", "kafka-0", "kafka-1", "client:alice"])
    phases = rollover.phases
    assert [p.name for p in phases] == [
        "trust both CAs",
        "issue from the new CA",
        "drop the old CA",
    ]
    assert all(p.roll == ("zookeeper-0", "kafka-0", "kafka-1", "client:alice") for p in phases)
    assert rollover.truststore(1) == (rsa_ca.root, new.root)
    assert rollover.truststore(3) == (new.root,)
    assert rollover.issuer(1) == rsa_ca.root
    assert rollover.issuer(2) == new.root
    assert rollover.problems() == ()
    preview = rollover.preview()
    assert "phase 2: issue from the new CA" in preview
    assert (
        "kafka-0: truststore [CN=test-ca-2027 + CN=test-ca-rsa]; certificate from CN=test-ca-2027"
        in preview
    )
    assert preview.endswith("trust gaps: none")


def test_skipping_the_trust_phase_is_shown_to_break_peers(rsa_ca: CertificateAuthority) -> None:
    rollover = CaRollover.plan(
        rsa_ca, CertificateAuthority.self_signed("other", validity_days=5), ["kafka-0", "kafka-1"]
    )
    _, issue, drop = rollover.phases
    hasty = RolloverPhase(
        number=1, name="issue and trust at once", action="", roll=issue.roll,
        before=rollover.phases[0].before, after=issue.after,
    )  # fmt: skip
    gaps = trust_gaps([hasty, drop])
    assert any("kafka-0 (trusting CN=test-ca-rsa) refuses kafka-1" in gap for gap in gaps)


def test_a_rollover_needs_distinct_cas_and_components(rsa_ca: CertificateAuthority) -> None:
    with pytest.raises(InvalidCertificateRequest):
        CaRollover.plan(rsa_ca, rsa_ca, ["kafka-0"])
    other = CertificateAuthority.self_signed("other-2", validity_days=5)
    with pytest.raises(InvalidCertificateRequest):
        CaRollover.plan(rsa_ca, other, ["kafka-0", "kafka-0"])
    with pytest.raises(InvalidCertificateRequest):
        CaRollover.plan(rsa_ca, other, [])


def test_phase_states_are_inspectable(rsa_ca: CertificateAuthority) -> None:
    other = CertificateAuthority.self_signed("other-3", validity_days=5)
    phase = CaRollover.plan(rsa_ca, other, ["kafka-0"]).phases[0]
    assert phase.state_after("kafka-0") == ComponentTlsState(
        trusts=frozenset({"CN=test-ca-rsa", "CN=other-3"}), issued_by="CN=test-ca-rsa"
    )


def test_summary_reports_days_to_expiry(rsa_ca: CertificateAuthority) -> None:
    summary = CertificateSummary.from_certificate(rsa_ca.certificate)
    assert summary.is_ca
    assert summary.days_to_expiry(summary.not_after - 3 * DAY) == 3
    assert summary.days_to_expiry(summary.not_after + DAY) == -1
    assert "expired 1 days ago" in summary.to_text(summary.not_after + DAY)
