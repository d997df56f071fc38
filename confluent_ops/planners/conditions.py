"""What the steps wait for, as pure readings of a snapshot: met or not, how far, what blocks.

Each condition is a function of a :class:`~confluent_ops.model.ClusterSnapshot` returning a
:class:`Condition`: whether it holds, a figure that grows as things move forward (so a wait can
tell a broker catching up from one that is stuck), and, when it does not hold, what blocks it
in words. The steps turn them into waits with progress-based deadlines
(:mod:`confluent_ops.waiting`); tests exercise each alone on hand-built snapshots.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import attrs

from confluent_ops.model import ClusterSnapshot, TopicPartition
from confluent_ops.planners.health import (
    DEFAULT_QUORUM_FETCH_TIMEOUT_MS,
    under_replicated_partitions,
)

__all__ = [
    "Condition",
    "all_met",
    "broker_in_sync",
    "controller_caught_up",
    "broker_serving",
    "fully_replicated",
    "leads_nothing",
    "preferred_leaders_elected",
]


@attrs.frozen
class Condition:
    """Whether a condition holds, a progress figure (higher is further), and what blocks it."""

    met: bool
    progress: tuple[int, ...] = ()
    blocker: str = ""


def _names(partitions: Sequence[TopicPartition], shown: int = 5) -> str:
    text = ", ".join(str(tp) for tp in partitions[:shown])
    return text + (f" and {len(partitions) - shown} more" if len(partitions) > shown else "")


def broker_serving(snapshot: ClusterSnapshot, broker: int) -> Condition:
    """The broker is registered and serves (the cluster lists it as live)."""
    if broker in snapshot.broker_ids:
        return Condition(True, (1,))
    return Condition(False, (0,), f"broker {broker} is not serving yet (not a live broker)")


def broker_in_sync(snapshot: ClusterSnapshot, broker: int) -> Condition:
    """The broker is back in the ISR of every partition it replicates (adding replicas aside)."""
    hosted = [p for p in snapshot.partitions_on(broker) if broker not in p.adding]
    behind = [p.partition for p in hosted if broker not in p.isr]
    if not behind:
        return Condition(True, (len(hosted),))
    return Condition(
        False,
        (len(hosted) - len(behind),),
        f"broker {broker} is not yet in the ISR of {len(behind)} of its {len(hosted)} "
        f"partition(s): {_names(behind)}",
    )


def controller_caught_up(
    snapshot: ClusterSnapshot, node: int, *, fetch_timeout_ms: int = DEFAULT_QUORUM_FETCH_TIMEOUT_MS
) -> Condition:
    """A KRaft controller is back in the quorum and caught up with its leader.

    Caught up as :func:`~confluent_ops.planners.health.can_restart_controller` counts it: its
    last caught-up time within ``controller.quorum.fetch.timeout.ms`` of the leader's, or
    (without timestamps) its log at the high watermark. The leader itself is caught up.
    """
    quorum = snapshot.quorum
    if quorum is None:
        return Condition(False, (0,), "the cluster shows no KRaft quorum")
    voter = next((v for v in quorum.voters if v.id == node), None)
    if voter is None:
        return Condition(False, (0,), f"node {node} is not a voter of the metadata quorum")
    if node == quorum.leader:
        return Condition(True, (voter.log_end_offset,))
    leader = next((v for v in quorum.voters if v.id == quorum.leader), None)
    if (
        leader is not None
        and leader.last_caught_up_ms is not None
        and voter.last_caught_up_ms is not None
    ):
        caught = leader.last_caught_up_ms - voter.last_caught_up_ms < fetch_timeout_ms
    else:
        caught = voter.log_end_offset >= quorum.high_watermark
    if caught:
        return Condition(True, (voter.log_end_offset,))
    return Condition(
        False,
        (voter.log_end_offset,),
        f"controller {node} is {quorum.lag_of(node)} metadata record(s) behind the quorum leader",
    )


def fully_replicated(snapshot: ClusterSnapshot) -> Condition:
    """No partition is under-replicated (counted as ``kafka-topics`` counts them)."""
    under = under_replicated_partitions(snapshot)
    if not under:
        return Condition(True, (0,))
    return Condition(
        False, (-len(under),), f"{len(under)} partition(s) under-replicated: {_names(under)}"
    )


def leads_nothing(snapshot: ClusterSnapshot, broker: int) -> Condition:
    """The broker leads no partition."""
    led = [p.partition for p in snapshot if p.leader == broker]
    if not led:
        return Condition(True, (0,))
    return Condition(False, (-len(led),), f"broker {broker} still leads {len(led)}: {_names(led)}")


def preferred_leaders_elected(
    snapshot: ClusterSnapshot,
    brokers: Collection[int] | None = None,
    *,
    partitions: Collection[TopicPartition] | None = None,
) -> Condition:
    """Every partition whose preferred leader could lead (live, in sync) is led by it.

    ``brokers`` limits the check to partitions whose preferred leader is one of them (the
    brokers a roll restarted), ``partitions`` to those partitions (the ones a reassignment
    moved); partitions whose preferred leader is down or out of the ISR are left out: no
    election can move leadership there now.
    """
    live = set(snapshot.broker_ids)
    eligible = [
        p
        for p in snapshot
        if p.replicas
        and (brokers is None or p.replicas[0] in brokers)
        and (partitions is None or p.partition in partitions)
        and p.replicas[0] in live
        and p.replicas[0] in p.isr
    ]
    elsewhere = [p.partition for p in eligible if p.leader != p.replicas[0]]
    if not elsewhere:
        return Condition(True, (len(eligible),))
    return Condition(
        False,
        (len(eligible) - len(elsewhere),),
        f"{len(elsewhere)} partition(s) not led by their preferred leader: {_names(elsewhere)}",
    )


def all_met(conditions: Iterable[Condition]) -> Condition:
    """Conditions together: met when all are; progress side by side; the first blocker."""
    listed = list(conditions)
    progress = tuple(value for c in listed for value in c.progress)
    blockers = [c.blocker for c in listed if not c.met]
    return Condition(not blockers, progress, blockers[0] if blockers else "")
