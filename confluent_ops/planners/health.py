"""Cluster health as pure functions of a :class:`~confluent_ops.model.ClusterSnapshot`.

Nothing here talks to a cluster: an adapter reads a snapshot, these functions judge it, so every
rule is tested with hand-built snapshots and holds the same on the simulated platform.

- Partition states: under-replicated, under / at ``min.insync.replicas``, offline, counted as
  Kafka's own ``kafka-topics --describe --under-replicated-partitions`` (and
  ``--under-min-isr-partitions``, ``--at-min-isr-partitions``, ``--unavailable-partitions``)
  count them, so that scripts comparing the two agree: an offline partition is also
  under-replicated and under min ISR there, and here.
- :func:`can_restart`: whether a broker can go down without some partition dropping below
  ``min.insync.replicas`` (the rule of Strimzi's ``KafkaRoller``), naming the blockers; and for
  KRaft controllers whether a majority of the remaining voters is caught up.
- :func:`drain_report`: why a broker is, or is not, safe to empty with a reassignment.
- :func:`preflight`: durability settings that make operations unsafe or get them stuck, each
  finding with its fix.
- :func:`cluster_health`: the verdict behind ``confluent-ops health`` and its exit code.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model import ClusterMode, ClusterSnapshot, PartitionState, TopicPartition

__all__ = [
    "DEFAULT_QUORUM_FETCH_TIMEOUT_MS",
    "BlockingPartition",
    "DrainReport",
    "Finding",
    "HealthReport",
    "HealthStatus",
    "QuorumVerdict",
    "RestartVerdict",
    "Severity",
    "at_min_isr_partitions",
    "can_restart",
    "can_restart_controller",
    "cluster_health",
    "drain_report",
    "min_isr_of",
    "offline_partitions",
    "operation_preflight",
    "preflight",
    "throttles_in_force",
    "under_min_isr_partitions",
    "under_replicated_partitions",
]

DEFAULT_QUORUM_FETCH_TIMEOUT_MS = 2000
"""Kafka's ``controller.quorum.fetch.timeout.ms`` default: how far a caught-up voter may lag."""


def min_isr_of(snapshot: ClusterSnapshot, partition: PartitionState) -> int:
    """The ``min.insync.replicas`` in force for the partition's topic."""
    return snapshot.topic(partition.partition.topic).min_insync_replicas


def _tps(partitions: Iterable[PartitionState]) -> tuple[TopicPartition, ...]:
    return tuple(p.partition for p in partitions)


def offline_partitions(snapshot: ClusterSnapshot) -> tuple[TopicPartition, ...]:
    """Partitions without a live leader: nobody can produce to or consume from them.

    Kafka's ``--unavailable-partitions``: no leader, or a leader that is not a live broker.
    """
    live = set(snapshot.broker_ids)
    return _tps(p for p in snapshot if p.offline or p.leader not in live)


def under_replicated_partitions(snapshot: ClusterSnapshot) -> tuple[TopicPartition, ...]:
    """Partitions whose ISR is smaller than their replication factor, offline ones included.

    As Kafka's ``--under-replicated-partitions`` counts them: replicas being added by an
    in-flight reassignment do not count towards the factor (they are expected to be behind
    until they catch up), and an offline partition counts, since its ISR is short too.
    """
    return _tps(p for p in snapshot if len(p.isr) < len(p.original_replicas))


def under_min_isr_partitions(snapshot: ClusterSnapshot) -> tuple[TopicPartition, ...]:
    """Partitions with no leader, or fewer in-sync replicas than ``min.insync.replicas``.

    Producers with ``acks=all`` are refused on them (``NotEnoughReplicas``) until the ISR grows;
    an offline partition refuses everyone. Kafka's ``--under-min-isr-partitions`` counts both.
    """
    return _tps(p for p in snapshot if p.offline or len(p.isr) < min_isr_of(snapshot, p))


def at_min_isr_partitions(snapshot: ClusterSnapshot) -> tuple[TopicPartition, ...]:
    """Partitions whose ISR is exactly ``min.insync.replicas``: one more loss refuses writes.

    As Kafka's ``--at-min-isr-partitions`` counts them: a topic whose replication factor equals
    ``min.insync.replicas`` is at the minimum even when healthy (:func:`preflight` says why
    that is a risk of its own).
    """
    return _tps(p for p in snapshot if len(p.isr) == min_isr_of(snapshot, p))


@attrs.frozen
class BlockingPartition:
    """A partition that stops a restart, and why."""

    partition: TopicPartition
    isr: tuple[int, ...]
    effective_isr: tuple[int, ...]
    min_insync_replicas: int
    reason: str


@attrs.frozen
class QuorumVerdict:
    """Whether a KRaft controller can go down with a caught-up majority left behind."""

    controller: int
    allowed: bool
    voters: tuple[int, ...]
    caught_up: tuple[int, ...]
    needed: int
    reason: str


@attrs.frozen
class RestartVerdict:
    """Whether ``broker`` can be restarted now; if not, the partitions (or quorum) that block it."""

    broker: int
    blocking: tuple[BlockingPartition, ...] = ()
    quorum: QuorumVerdict | None = None

    @property
    def allowed(self) -> bool:
        return not self.blocking and (self.quorum is None or self.quorum.allowed)

    @property
    def reason(self) -> str:
        """One line for a log or an error."""
        if self.allowed:
            return f"broker {self.broker} can restart: no partition drops below min.insync.replicas"
        parts = []
        if self.blocking:
            names = ", ".join(str(b.partition) for b in self.blocking[:10])
            more = f" and {len(self.blocking) - 10} more" if len(self.blocking) > 10 else ""
            parts.append(
                f"{len(self.blocking)} partition(s) would drop below min.insync.replicas: "
                f"{names}{more}"
            )
        if self.quorum is not None and not self.quorum.allowed:
            parts.append(self.quorum.reason)
        return f"broker {self.broker} cannot restart: " + "; ".join(parts)


def can_restart(
    snapshot: ClusterSnapshot,
    broker: int,
    *,
    quorum_fetch_timeout_ms: int = DEFAULT_QUORUM_FETCH_TIMEOUT_MS,
) -> RestartVerdict:
    """Whether taking ``broker`` down keeps every partition at or above ``min.insync.replicas``.

    The rule of Strimzi's ``KafkaRoller`` (``KafkaAvailability``): for each partition with a
    replica on the broker, take the ISR that remains once in-flight reassignments drop their
    removing replicas; if the broker is in it and it would fall below ``min.insync.replicas``
    without the broker, the partition blocks the restart. Topics whose replication factor is at
    most ``min.insync.replicas`` are exempt: they can never restart a broker without losing
    availability, so waiting would wait forever (:func:`preflight` reports them instead).
    A broker that is also a KRaft voter must leave a caught-up majority of voters behind.
    """
    if broker not in snapshot.broker_ids and (
        snapshot.quorum is None or broker not in snapshot.quorum.voter_ids
    ):
        raise InvalidInput(f"broker {broker} is not in the cluster")
    blocking = []
    for p in snapshot.partitions_on(broker):
        min_isr = min_isr_of(snapshot, p)
        if len(p.original_replicas) <= min_isr:
            continue
        effective = p.effective_isr
        if broker in effective and len(effective) - 1 < min_isr:
            blocking.append(
                BlockingPartition(
                    p.partition,
                    p.isr,
                    effective,
                    min_isr,
                    f"in-sync replicas {list(effective)} without broker {broker} would be "
                    f"{len(effective) - 1} < min.insync.replicas={min_isr}",
                )
            )
    quorum = None
    if snapshot.quorum is not None and broker in snapshot.quorum.voter_ids:
        quorum = can_restart_controller(
            snapshot, broker, quorum_fetch_timeout_ms=quorum_fetch_timeout_ms
        )
    return RestartVerdict(broker, tuple(blocking), quorum)


def can_restart_controller(
    snapshot: ClusterSnapshot,
    controller: int,
    *,
    quorum_fetch_timeout_ms: int = DEFAULT_QUORUM_FETCH_TIMEOUT_MS,
) -> QuorumVerdict:
    """Whether a majority of all voters stays caught up once ``controller`` is down.

    A voter is caught up when its last caught-up time is within ``quorum_fetch_timeout_ms`` of
    the leader's (Strimzi's ``KafkaQuorumCheck``); without timestamps, when it has reached the
    high watermark. The leader always counts as caught up.
    """
    quorum = snapshot.quorum
    if quorum is None:
        raise InvalidInput("the snapshot has no KRaft quorum (ZooKeeper mode?)")
    if controller not in quorum.voter_ids:
        raise InvalidInput(f"node {controller} is not a voter of the metadata quorum")
    leader = next((v for v in quorum.voters if v.id == quorum.leader), None)
    caught_up = []
    for voter in quorum.voters:
        if voter.id == controller:
            continue
        if voter.id == quorum.leader:
            caught_up.append(voter.id)
        elif (
            leader is not None
            and leader.last_caught_up_ms is not None
            and voter.last_caught_up_ms is not None
        ):
            if leader.last_caught_up_ms - voter.last_caught_up_ms < quorum_fetch_timeout_ms:
                caught_up.append(voter.id)
        elif voter.log_end_offset >= quorum.high_watermark:
            caught_up.append(voter.id)
    needed = len(quorum.voters) // 2 + 1
    allowed = len(caught_up) >= needed
    reason = (
        f"{len(caught_up)} of the other voters {sorted(set(quorum.voter_ids) - {controller})} "
        f"are caught up, {needed} needed for a majority of {len(quorum.voters)}"
    )
    return QuorumVerdict(controller, allowed, quorum.voter_ids, tuple(caught_up), needed, reason)


@attrs.frozen
class DrainReport:
    """Whether a broker can be emptied now, and every reason it cannot."""

    broker: int
    replicas: int
    leaders: int
    reasons: tuple[str, ...]

    @property
    def safe(self) -> bool:
        return not self.reasons

    def summary(self) -> str:
        head = (
            f"broker {self.broker} ({self.replicas} replicas, {self.leaders} leaders) "
            f"{'is safe' if self.safe else 'is not safe'} to drain"
        )
        return head + ("" if self.safe else ": " + "; ".join(self.reasons))


def drain_report(snapshot: ClusterSnapshot, broker: int) -> DrainReport:
    """Why ``broker`` is or is not safe to drain (move every replica elsewhere) now.

    Draining copies each replica to another broker from an in-sync replica, so it needs: enough
    other brokers for each partition's replication factor; no offline partition on the broker;
    no partition whose only in-sync copy is on the broker (its data would be read from the very
    broker we are about to retire, and lost with it); and no reassignment already in flight on
    the broker (a second one would be refused by the cluster).
    """
    if broker not in snapshot.broker_ids:
        raise InvalidInput(f"broker {broker} is not in the cluster")
    hosted = snapshot.partitions_on(broker)
    others = len(snapshot.broker_ids) - 1
    reasons = []
    widest = max((len(p.original_replicas) for p in hosted), default=0)
    if widest > others:
        reasons.append(
            f"a partition has replication factor {widest} but only {others} other broker(s) remain"
        )
    offline = [p.partition for p in hosted if p.offline]
    if offline:
        reasons.append(f"{len(offline)} offline partition(s) on it: {_names(offline)}")
    sole = [p.partition for p in hosted if p.isr == (broker,) and len(p.replicas) > 1]
    if sole:
        reasons.append(f"it holds the only in-sync replica of {len(sole)}: {_names(sole)}")
    moving = [p.partition for p in hosted if p.reassigning]
    if moving:
        reasons.append(f"{len(moving)} reassignment(s) in flight touch it: {_names(moving)}")
    leaders = sum(1 for p in hosted if p.leader == broker)
    return DrainReport(broker, len(hosted), leaders, tuple(reasons))


def _names(partitions: list[TopicPartition]) -> str:
    shown = ", ".join(str(tp) for tp in partitions[:5])
    return shown + (f" and {len(partitions) - 5} more" if len(partitions) > 5 else "")


class Severity(enum.Enum):
    """How much a finding matters for what comes next; never part of the health verdict.

    The verdict (and ``health``'s exit code) says how the partitions are now. A finding is about
    the next failure or operation: a ``RISK`` makes a roll, drain or reassignment unsafe or
    stuck, or loses acknowledged writes when a broker fails; ``ADVICE`` is a setting worth
    changing. Both are printed with their fix; neither is an error of the cluster.
    """

    ADVICE = "advice"
    RISK = "risk"


@attrs.frozen
class Finding:
    """One durability problem: a stable code, where it is, what is wrong and how to fix it."""

    code: str
    severity: Severity
    subject: str
    message: str
    fix: str


def preflight(snapshot: ClusterSnapshot) -> tuple[Finding, ...]:
    """Durability settings that make rolls, drains and reassignments unsafe or stuck.

    - ``rf-not-above-min-isr``: RF <= ``min.insync.replicas``: every broker restart refuses
      ``acks=all`` writes (and a roll gate that waits for it would wait forever).
    - ``min-isr-one``: ``min.insync.replicas=1`` with RF >= 3: an acknowledged write may live
      on one broker only, and is lost with it.
    - ``unclean-leader-election``: an out-of-sync replica may become leader, losing writes.
    - ``single-voter-quorum``: one KRaft controller; losing it stops every metadata change.
    Internal topics are checked like the others: losing ``__consumer_offsets`` hurts as much.
    """
    findings: list[Finding] = []
    factors: dict[str, int] = {}
    for p in snapshot:
        factors[p.partition.topic] = max(
            factors.get(p.partition.topic, 0), len(p.original_replicas)
        )
    for name, topic in snapshot.topics.items():
        factor = factors.get(name)
        if factor is None:
            continue
        min_isr = topic.min_insync_replicas
        if factor <= min_isr:
            raise_factor = (
                f"raise the replication factor to {min_isr + 1} "
                f"(confluent-ops plan replication-factor --topic {name} --factor {min_isr + 1})"
            )
            findings.append(
                Finding(
                    "rf-not-above-min-isr",
                    Severity.RISK,
                    f"topic {name}",
                    f"replication factor {factor} <= min.insync.replicas={min_isr}: any broker "
                    "restart refuses acks=all writes",
                    raise_factor
                    if factor <= 1
                    else f"{raise_factor} or lower min.insync.replicas to {factor - 1}",
                )
            )
        elif min_isr == 1 and factor >= 3:
            findings.append(
                Finding(
                    "min-isr-one",
                    Severity.ADVICE,
                    f"topic {name}",
                    f"min.insync.replicas=1 with replication factor {factor}: an acknowledged "
                    "write may exist on one broker only",
                    f"set min.insync.replicas={factor - 1} on topic {name}",
                )
            )
        if topic.unclean_leader_election:
            findings.append(
                Finding(
                    "unclean-leader-election",
                    Severity.RISK,
                    f"topic {name}",
                    "unclean.leader.election.enable=true: an out-of-sync replica may become "
                    "leader and acknowledged writes are lost",
                    f"set unclean.leader.election.enable=false on topic {name}",
                )
            )
    if (
        snapshot.mode is ClusterMode.KRAFT
        and snapshot.quorum is not None
        and len(snapshot.quorum.voters) == 1
    ):
        findings.append(
            Finding(
                "single-voter-quorum",
                Severity.RISK,
                f"controller {snapshot.quorum.voters[0].id}",
                "the KRaft quorum has a single voter: while it is down no metadata changes "
                "(no leader election, no topic change)",
                "run three (or five) controllers (kafka-metadata-quorum add-controller)",
            )
        )
    return tuple(findings)


def operation_preflight(
    snapshot: ClusterSnapshot,
    *,
    own_partitions: Iterable[TopicPartition] = (),
    own_throttles: bool = False,
) -> tuple[Finding, ...]:
    """What stands in the way of an operation: :func:`preflight`, plus work that is not ours.

    - ``reassignment-in-flight`` (risk): partitions being reassigned that the operation did not
      start (``own_partitions`` are its own): a second reassignment of them would be refused,
      and moving data under someone else's plan is a surprise for both.
    - ``throttle-in-force`` (advice): replication throttle rates set on brokers, unless the
      operation set them (``own_throttles``): they slow any copy, and a reassignment records and
      restores them rather than clearing them.
    """
    findings = list(preflight(snapshot))
    ours = set(own_partitions)
    foreign = [p.partition for p in snapshot.reassignments if p.partition not in ours]
    if foreign:
        findings.append(
            Finding(
                "reassignment-in-flight",
                Severity.RISK,
                f"{len(foreign)} partition(s)",
                f"a reassignment that is not ours is in flight: {_names(foreign)}",
                "let it finish (kafka-reassign-partitions --verify, or confluent-ops reassign "
                "verify with its plan) or cancel it, then start again",
            )
        )
    throttled = sorted(
        b
        for b, t in snapshot.throttles.items()
        if t.leader_rate is not None or t.follower_rate is not None
    )
    if throttled and not own_throttles:
        findings.append(
            Finding(
                "throttle-in-force",
                Severity.ADVICE,
                f"brokers {throttled}",
                "replication throttle rates are set: every copy to or from these brokers is "
                "limited by them",
                "remove them if nothing needs them (kafka-configs --alter --delete-config "
                "leader.replication.throttled.rate,follower.replication.throttled.rate)",
            )
        )
    return tuple(findings)


def throttles_in_force(snapshot: ClusterSnapshot) -> tuple[str, ...]:
    """Every replication throttle set on the cluster, one line each (empty: none at all).

    A throttle rate on a broker (at any layer), or a throttled-replica list on a topic: what an
    operation that set throttles must leave behind as it found it.
    """
    found = []
    for broker, throttle in snapshot.throttles.items():
        for setting in (throttle.leader_rate, throttle.follower_rate):
            if setting is not None:
                found.append(f"broker {broker}: {setting.name}={setting.value}")
    for name, topic in snapshot.topics.items():
        for value, what in (
            (topic.leader_throttled_replicas, "leader.replication.throttled.replicas"),
            (topic.follower_throttled_replicas, "follower.replication.throttled.replicas"),
        ):
            if value:
                found.append(f"topic {name}: {what}={value}")
    return tuple(found)


class HealthStatus(enum.Enum):
    """The verdict of ``confluent-ops health``; ``exit_code`` is the code a script reads.

    It describes the partitions now: CRITICAL (2) when one is offline or under
    ``min.insync.replicas``, DEGRADED (1) when one is under-replicated, HEALTHY (0) otherwise.
    Findings (:class:`Severity`) never change it.
    """

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    CRITICAL = "critical"

    @property
    def exit_code(self) -> int:
        return {"healthy": 0, "degraded": 1, "critical": 2}[self.value]


@attrs.frozen
class HealthReport:
    """Every partition problem of a snapshot, and the verdict they add up to."""

    brokers: tuple[int, ...]
    controller: int | None
    partitions: int
    offline: tuple[TopicPartition, ...]
    under_min_isr: tuple[TopicPartition, ...]
    under_replicated: tuple[TopicPartition, ...]
    at_min_isr: tuple[TopicPartition, ...]
    reassigning: tuple[TopicPartition, ...]
    findings: tuple[Finding, ...]

    @property
    def status(self) -> HealthStatus:
        """CRITICAL for offline or under-min-ISR partitions, DEGRADED for under-replicated.

        Findings do not count: they are risks for what comes next, not a state of the data.
        """
        if self.offline or self.under_min_isr:
            return HealthStatus.CRITICAL
        if self.under_replicated:
            return HealthStatus.DEGRADED
        return HealthStatus.HEALTHY

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (``confluent-ops health --json``)."""

        def names(tps: tuple[TopicPartition, ...]) -> list[str]:
            return [str(tp) for tp in tps]

        return {
            "status": self.status.value,
            "brokers": list(self.brokers),
            "controller": self.controller,
            "partitions": self.partitions,
            "counts": {
                "offline": len(self.offline),
                "under_min_isr": len(self.under_min_isr),
                "under_replicated": len(self.under_replicated),
                "at_min_isr": len(self.at_min_isr),
                "reassigning": len(self.reassigning),
            },
            "offline": names(self.offline),
            "under_min_isr": names(self.under_min_isr),
            "under_replicated": names(self.under_replicated),
            "at_min_isr": names(self.at_min_isr),
            "reassigning": names(self.reassigning),
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity.value,
                    "subject": f.subject,
                    "message": f.message,
                    "fix": f.fix,
                }
                for f in self.findings
            ],
        }


def cluster_health(snapshot: ClusterSnapshot) -> HealthReport:
    """Every partition check and the preflight findings of ``snapshot``, in one report."""
    return HealthReport(
        brokers=snapshot.broker_ids,
        controller=snapshot.controller,
        partitions=len(snapshot.partitions),
        offline=offline_partitions(snapshot),
        under_min_isr=under_min_isr_partitions(snapshot),
        under_replicated=under_replicated_partitions(snapshot),
        at_min_isr=at_min_isr_partitions(snapshot),
        reassigning=_tps(snapshot.reassignments),
        findings=preflight(snapshot),
    )
