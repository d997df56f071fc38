"""How the steps wait on the cluster: a condition read from fresh snapshots, said out loud.

One loop for every step (:func:`confluent_ops.waiting.wait_for`): each look reads a snapshot
through the port, judges it with a pure condition of :mod:`confluent_ops.planners.conditions`
(plus, while a node starts, its lifecycle status: a broker recovering its logs is progress),
and every pause is a :class:`~confluent_ops.steps.events.StepWaiting` event naming what blocks.
A broker that restarts refuses connections for a while: that is "not yet", not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable

from confluent_ops.errors import ClusterRequestFailed, ClusterUnreachable, WaitTimedOut
from confluent_ops.model import ClusterSnapshot, TopicPartition
from confluent_ops.planners.conditions import Condition, preferred_leaders_elected
from confluent_ops.ports import Clock, KafkaAdmin
from confluent_ops.steps.events import Emit, LeadershipMoved, StepWaiting
from confluent_ops.waiting import SYSTEM_CLOCK, Check, WaitPolicy, wait_for

__all__ = ["elect_preferred_leaders", "step_policy", "wait_for_condition"]

#: At most this long between two looks: a node back or a move done is noticed within it, so a
#: roll's overhead per node stays a small part of the node's own restart.
MAX_INTERVAL = 2.0


def step_policy(
    *, stall: float = 300.0, interval: float = 0.5, clock: Clock = SYSTEM_CLOCK
) -> WaitPolicy:
    """The steps' default wait: look after ``interval`` s, then at most every 2 s; give up
    only after ``stall`` s without progress (Strimzi gives up after a fixed 127.75 s; a broker
    recovering its logs for longer is progress, not a reason to stop waiting)."""
    return WaitPolicy(
        interval=interval, max_interval=max(interval, MAX_INTERVAL), stall=stall, clock=clock
    )


def wait_for_condition(
    admin: KafkaAdmin,
    condition: Callable[[ClusterSnapshot], Condition],
    *,
    step: str,
    what: str,
    policy: WaitPolicy,
    emit: Emit,
    extra_progress: Callable[[], Hashable] | None = None,
    sizes: bool = False,
) -> ClusterSnapshot:
    """Wait until ``condition`` holds on a fresh snapshot; the snapshot it held on.

    ``extra_progress`` adds a figure outside the cluster (a node's lifecycle status) to the
    progress that keeps the wait alive. Cluster errors while a look is taken count as "not yet"
    (a restarting broker refuses connections); the stall limit still ends a wait that never
    gets anywhere, and the error then names the last blocker.
    """

    def look() -> Check[ClusterSnapshot]:
        snapshot = admin.snapshot(sizes=sizes)
        seen = condition(snapshot)
        progress: Hashable = seen.progress
        if extra_progress is not None:
            progress = (seen.progress, extra_progress())
        return Check(seen.met, snapshot, progress, seen.blocker)

    def say(check: Check[ClusterSnapshot], seconds: float) -> None:
        emit(StepWaiting(step, what, check.blocker, seconds))

    transient = (*policy.retry_on, ClusterUnreachable, ClusterRequestFailed, WaitTimedOut)
    result = wait_for(look, policy=policy.evolve(retry_on=transient), what=what, on_wait=say)
    assert result is not None  # a met check always carries its snapshot
    return result


def elect_preferred_leaders(
    admin: KafkaAdmin,
    *,
    step: str,
    detail: str,
    what: str,
    policy: WaitPolicy,
    emit: Emit,
    brokers: Collection[int] | None = None,
    partitions: Collection[TopicPartition] | None = None,
) -> None:
    """Elect the preferred leaders of the partitions chosen as
    :func:`~confluent_ops.planners.conditions.preferred_leaders_elected` chooses them (by
    preferred leader ``brokers``, by ``partitions``), then wait until each eligible one is led
    by it, asking again at each look: the metadata may show a new replica order, or a restarted
    broker back in the ISR, a moment after the election was first asked for.
    """

    def astray(snapshot: ClusterSnapshot) -> list[TopicPartition]:
        return [
            p.partition
            for p in snapshot
            if p.replicas
            and (brokers is None or p.replicas[0] in brokers)
            and (partitions is None or p.partition in partitions)
            and p.leader != p.replicas[0]
        ]

    def elected(snapshot: ClusterSnapshot) -> Condition:
        seen = preferred_leaders_elected(snapshot, brokers, partitions=partitions)
        if not seen.met:
            admin.elect_preferred_leaders(astray(snapshot))
        return seen

    first = astray(admin.snapshot(sizes=False))
    if not first:
        return
    admin.elect_preferred_leaders(first)
    emit(LeadershipMoved(step, len(first), detail))
    wait_for_condition(admin, elected, step=step, what=what, policy=policy, emit=emit)
