"""Renewal and CA rollover, planned as values that a runbook executes and a person previews.

Renewing a leaf is local: reissue it, roll its holder. Replacing a CA is not: a component that
presents a certificate from the new CA is refused by every peer that does not yet trust it, and
a rolling restart means that, for a while, some peers are on the old configuration and some on
the new. The only safe order is three phases, each a full roll:

1. **trust both**: every truststore gets the new CA beside the old; leaves unchanged.
2. **issue from the new CA**: every leaf is reissued by the new CA; truststores keep both.
3. **drop the old CA**: truststores hold only the new CA.

:class:`CaRollover` holds that plan; :meth:`CaRollover.problems` proves that no pair of
components loses trust at any moment of any phase (each side either rolled or not), and
:meth:`CaRollover.preview` shows which components roll and what each truststore holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

import attrs
from cryptography import x509

from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import IssuedCertificate
from confluent_ops.tls.inspection import CertificateSummary, ComponentTrust
from confluent_ops.tls.principal import distinguished_name

__all__ = [
    "CaRollover",
    "ComponentTlsState",
    "RenewalItem",
    "RenewalPlan",
    "RolloverPhase",
    "trust_gaps",
]


@attrs.frozen
class RenewalItem:
    """One leaf due for renewal."""

    component: str
    subject: str
    not_after: datetime.datetime
    days_left: int


@attrs.frozen
class RenewalPlan:
    """The leaves that expire within ``renew_within_days`` of ``at``, soonest first."""

    at: datetime.datetime
    renew_within_days: int
    items: tuple[RenewalItem, ...]

    @classmethod
    def for_components(
        cls,
        components: Iterable[ComponentTrust],
        *,
        renew_within_days: int = 30,
        now: datetime.datetime | None = None,
    ) -> RenewalPlan:
        """Pick the components whose own certificate ends within the window."""
        if renew_within_days <= 0:
            raise InvalidCertificateRequest("the renewal window must be a positive number of days")
        at = datetime.datetime.now(datetime.UTC) if now is None else now
        horizon = at + datetime.timedelta(days=renew_within_days)
        items = []
        for component in components:
            if not component.presents:
                continue
            leaf = component.presents[0]
            if leaf.not_valid_after_utc <= horizon:
                summary = CertificateSummary.from_certificate(leaf)
                items.append(
                    RenewalItem(
                        component=component.name,
                        subject=summary.subject,
                        not_after=summary.not_after,
                        days_left=summary.days_to_expiry(at),
                    )
                )
        items.sort(key=lambda item: (item.not_after, item.component))
        return cls(at=at, renew_within_days=renew_within_days, items=tuple(items))

    @property
    def components(self) -> tuple[str, ...]:
        """The components to reissue and then roll, in order of urgency."""
        return tuple(item.component for item in self.items)

    def reissue(
        self,
        authority: CertificateAuthority,
        issued: Mapping[str, IssuedCertificate],
        *,
        validity_days: int = 365,
        now: datetime.datetime | None = None,
    ) -> dict[str, IssuedCertificate]:
        """New certificates (same subjects, SANs, usages; new keys) for every item."""
        missing = [name for name in self.components if name not in issued]
        if missing:
            raise InvalidCertificateRequest(f"no certificate given for {', '.join(missing)}")
        return {
            name: authority.reissue(issued[name], validity_days=validity_days, now=now)
            for name in self.components
        }


@attrs.frozen
class ComponentTlsState:
    """What one component holds at a moment: whom it trusts, and who issued its certificate."""

    trusts: frozenset[str]
    issued_by: str


@attrs.frozen
class RolloverPhase:
    """One phase: what changes, and the full roll that applies it.

    ``before`` and ``after`` give each component's state before it is restarted in this phase
    and after; during the roll, both exist at once.
    """

    number: int
    name: str
    action: str
    roll: tuple[str, ...]
    before: tuple[tuple[str, ComponentTlsState], ...]
    after: tuple[tuple[str, ComponentTlsState], ...]

    def state_after(self, component: str) -> ComponentTlsState:
        """A component's state once it has rolled in this phase."""
        return dict(self.after)[component]


def _label(certificate: x509.Certificate) -> str:
    return distinguished_name(certificate.subject)


@attrs.frozen
class CaRollover:
    """Replacing ``old`` by ``new`` across ``components`` (in the order they roll).

    Components are named as in the runbook (``zookeeper-0``, ``kafka-0``, ``client:alice``);
    every one holds a truststore and, if it presents one, a certificate from the current CA.
    """

    old: x509.Certificate
    new: x509.Certificate
    components: tuple[str, ...]

    def __attrs_post_init__(self) -> None:
        if not self.components:
            raise InvalidCertificateRequest("a CA rollover needs at least one component")
        if len(set(self.components)) != len(self.components):
            raise InvalidCertificateRequest("a component is listed twice in the roll order")
        if _label(self.old) == _label(self.new):
            raise InvalidCertificateRequest(
                "the new CA must have a subject of its own, or peers cannot tell them apart"
            )

    @classmethod
    def plan(
        cls,
        old: CertificateAuthority | x509.Certificate,
        new: CertificateAuthority | x509.Certificate,
        components: Sequence[str],
    ) -> CaRollover:
        """The three-phase rollover from ``old`` to ``new`` (CAs or their root certificates)."""
        old_root = old.root if isinstance(old, CertificateAuthority) else old
        new_root = new.root if isinstance(new, CertificateAuthority) else new
        return cls(old=old_root, new=new_root, components=tuple(components))

    @property
    def phases(self) -> tuple[RolloverPhase, RolloverPhase, RolloverPhase]:
        """Trust both; issue from the new CA; drop the old CA."""
        old, new = _label(self.old), _label(self.new)
        start = ComponentTlsState(trusts=frozenset({old}), issued_by=old)
        both_old = ComponentTlsState(trusts=frozenset({old, new}), issued_by=old)
        both_new = ComponentTlsState(trusts=frozenset({old, new}), issued_by=new)
        end = ComponentTlsState(trusts=frozenset({new}), issued_by=new)

        # Each phase moves every component from one state to the next: start -> ... -> end.
        states = (start, both_old, both_new, end)
        steps = (
            ("trust both CAs", f"add {new} to every truststore beside {old}"),
            ("issue from the new CA", f"replace every certificate by one issued by {new}"),
            ("drop the old CA", f"remove {old} from every truststore"),
        )
        first, second, third = (
            RolloverPhase(
                number=index + 1,
                name=name,
                action=action,
                roll=self.components,
                before=tuple((c, states[index]) for c in self.components),
                after=tuple((c, states[index + 1]) for c in self.components),
            )
            for index, (name, action) in enumerate(steps)
        )
        return first, second, third

    def truststore(self, phase: int) -> tuple[x509.Certificate, ...]:
        """The certificates every truststore holds once it has rolled in ``phase`` (1-3)."""
        if phase not in (1, 2, 3):
            raise InvalidCertificateRequest("a CA rollover has phases 1, 2 and 3")
        return (self.new,) if phase == 3 else (self.old, self.new)

    def issuer(self, phase: int) -> x509.Certificate:
        """The CA whose certificates components present once rolled in ``phase`` (1-3)."""
        if phase not in (1, 2, 3):
            raise InvalidCertificateRequest("a CA rollover has phases 1, 2 and 3")
        return self.old if phase == 1 else self.new

    def problems(self) -> tuple[str, ...]:
        """Every moment a pair of components would refuse each other (empty: the plan is safe).

        During a phase each component is in its ``before`` or its ``after`` state; every
        combination must let each side verify the other.
        """
        return trust_gaps(self.phases)

    def preview(self) -> str:
        """A table: per phase, the action, what rolls, and each truststore's CAs afterwards."""
        lines = []
        for phase in self.phases:
            lines.append(f"phase {phase.number}: {phase.name}")
            lines.append(f"  change: {phase.action}")
            lines.append(f"  roll, in order: {', '.join(phase.roll)}")
            for name, state in phase.after:
                trusts = " + ".join(sorted(state.trusts))
                lines.append(f"  {name}: truststore [{trusts}]; certificate from {state.issued_by}")
        gaps = self.problems()
        lines.append("trust gaps: none" if not gaps else "trust gaps:\n  " + "\n  ".join(gaps))
        return "\n".join(lines)


def trust_gaps(phases: Iterable[RolloverPhase]) -> tuple[str, ...]:
    """Where any sequence of phases lets two components refuse each other mid-roll."""
    gaps = []
    for phase in phases:
        before, after = dict(phase.before), dict(phase.after)
        names = list(after)
        for a in names:
            for b in names:
                if a == b:
                    continue
                for a_state in (before[a], after[a]):
                    for b_state in (before[b], after[b]):
                        if b_state.issued_by not in a_state.trusts:
                            gaps.append(
                                f"phase {phase.number}: {a} (trusting "
                                f"{' + '.join(sorted(a_state.trusts))}) refuses {b} "
                                f"(certificate from {b_state.issued_by})"
                            )
    return tuple(dict.fromkeys(gaps))
