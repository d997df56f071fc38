"""Drain a broker of its leadership, and give it back.

Before maintenance of a broker (a disk, a kernel, a network change), its clients should already
be talking to other brokers. :class:`Drain` moves every leadership off it: each partition it
leads gets the broker moved to the end of its replica list (a reorder, which Kafka applies at
once and copies no data) and a preferred-leader election, and the step waits until the broker
leads nothing. The replica orders it changed are kept in its state, so that :meth:`Drain.undo`
puts them back (and elects the broker leader again) once the maintenance is over, and so that
an interrupted drain carries on where it was.
"""

from __future__ import annotations

import json

import attrs

from confluent_ops.errors import InvalidInput, MalformedFile, UnsafeOperation
from confluent_ops.model import ClusterSnapshot, TopicPartition
from confluent_ops.model._json import load_json_object
from confluent_ops.planners.conditions import Condition, leads_nothing, preferred_leaders_elected
from confluent_ops.ports import Clock, KafkaAdmin, StepState
from confluent_ops.steps._waits import step_policy, wait_for_condition
from confluent_ops.steps.events import Emit, LeadershipMoved, StepDone, StepStarted, ignore
from confluent_ops.steps.state import as_step_state
from confluent_ops.waiting import SYSTEM_CLOCK, WaitPolicy

__all__ = ["Drain", "DrainResult"]


@attrs.frozen
class DrainResult:
    """What a drain (or its undo) did: the partitions reordered, and how long it took."""

    broker: int
    partitions: tuple[TopicPartition, ...]
    seconds: float
    dry_run: bool = False


def _orders(snapshot: ClusterSnapshot, broker: int) -> dict[TopicPartition, tuple[int, ...]]:
    """The replica orders that would make ``broker`` lead nothing: moved to the end of each
    list where it is the preferred leader, and where it leads now."""
    orders = {}
    for p in snapshot:
        if broker not in p.replicas or len(p.replicas) < 2:
            continue
        if p.replicas[0] == broker or p.leader == broker:
            others = tuple(b for b in p.replicas if b != broker)
            in_sync = [b for b in others if b in p.isr]
            first = in_sync[0] if in_sync else others[0]
            orders[p.partition] = (first, *(b for b in others if b != first), broker)
    return orders


class Drain:
    """Move every leadership off ``broker`` (and back with :meth:`undo`).

    Refused (before any change) when a partition it leads has no other in-sync replica:
    moving its leadership would make it unavailable; and when a partition it would reorder is
    being reassigned: a reorder is itself a reassignment, and would replace the target of the
    one in flight (keeping replicas it is removing, dropping none it adds).
    """

    step = "drain"

    def __init__(
        self,
        admin: KafkaAdmin,
        broker: int,
        *,
        state: StepState | None = None,
        emit: Emit = ignore,
        policy: WaitPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.admin = admin
        self.broker = broker
        self.state = as_step_state(state)
        self.emit = emit
        self.policy = policy or step_policy(stall=120.0, clock=clock)
        self.clock = clock

    def _check(self, snapshot: ClusterSnapshot) -> dict[TopicPartition, tuple[int, ...]]:
        if self.broker not in snapshot.broker_ids:
            raise InvalidInput(f"broker {self.broker} is not a live broker of the cluster")
        orders = _orders(snapshot, self.broker)
        alone = [
            p.partition
            for p in snapshot
            if p.leader == self.broker and not [b for b in p.isr if b != self.broker]
        ]
        if alone:
            names = ", ".join(str(tp) for tp in alone[:5])
            raise UnsafeOperation(
                f"broker {self.broker} is the only in-sync replica of {len(alone)} partition(s) "
                f"it leads ({names}): moving their leadership would make them unavailable"
            )
        moving = [tp for tp in orders if snapshot.partition(tp).reassigning]
        if moving:
            names = ", ".join(str(tp) for tp in moving[:5])
            raise UnsafeOperation(
                f"{len(moving)} partition(s) broker {self.broker} leads are being reassigned "
                f"({names}): reordering them now would replace that reassignment's target; let "
                "it finish (reassign verify) or cancel it, then drain"
            )
        return orders

    def preview(self) -> DrainResult:
        """What the drain would reorder (changing nothing)."""
        snapshot = self.admin.snapshot(sizes=False)
        orders = self._check(snapshot)
        self.emit(
            StepStarted(
                self.step,
                f"move the leadership of {len(orders)} partition(s) off broker {self.broker}",
                tuple(f"{tp}: {list(r)}" for tp, r in list(orders.items())[:20]),
                None,
                True,
            )
        )
        return DrainResult(self.broker, tuple(orders), 0.0, dry_run=True)

    def run(self) -> DrainResult:
        """Reorder, elect, and wait until the broker leads nothing."""
        started = self.clock.monotonic()
        snapshot = self.admin.snapshot(sizes=False)
        orders = self._check(snapshot)
        saved = self._load()
        originals = dict(saved)
        for tp in orders:
            originals.setdefault(tp, snapshot.partition(tp).replicas)
        self.state.save(self._dumps(originals))
        self.emit(
            StepStarted(self.step, f"move {len(orders)} leadership(s) off broker {self.broker}")
        )
        if orders:
            refused = {
                tp: why
                for tp, why in self.admin.alter_reassignments(dict(orders)).items()
                if why is not None
            }
            if refused:
                tp, why = next(iter(refused.items()))
                raise UnsafeOperation(f"the cluster refused to reorder {tp}: {why}")

        def drained(snapshot: ClusterSnapshot) -> Condition:
            seen = leads_nothing(snapshot, self.broker)
            if not seen.met:
                self.admin.elect_preferred_leaders(
                    [p.partition for p in snapshot if p.leader == self.broker]
                )
            return seen

        wait_for_condition(
            self.admin,
            drained,
            step=self.step,
            what=f"broker {self.broker} to lead nothing",
            policy=self.policy,
            emit=self.emit,
        )
        self.emit(LeadershipMoved(self.step, len(orders), f"off broker {self.broker}"))
        seconds = self.clock.monotonic() - started
        self.emit(StepDone(self.step, f"broker {self.broker} leads nothing", seconds))
        return DrainResult(self.broker, tuple(orders), seconds)

    def undo(self) -> DrainResult:
        """Put back the replica orders the drain changed, and elect the broker leader again."""
        started = self.clock.monotonic()
        originals = self._load()
        if not originals:
            return DrainResult(self.broker, (), 0.0)
        snapshot = self.admin.snapshot(sizes=False)
        wanted = {
            tp: order
            for tp, order in originals.items()
            if tp in snapshot.partitions
            and set(snapshot.partition(tp).replicas) == set(order)
            and snapshot.partition(tp).replicas != order
        }
        if wanted:
            self.admin.alter_reassignments(dict(wanted))

        def back(snapshot: ClusterSnapshot) -> Condition:
            seen = preferred_leaders_elected(snapshot, {self.broker})
            if not seen.met:
                self.admin.elect_preferred_leaders(list(originals))
            return seen

        wait_for_condition(
            self.admin,
            back,
            step=self.step,
            what=f"broker {self.broker} to lead again",
            policy=self.policy,
            emit=self.emit,
        )
        self.state.clear()
        self.emit(LeadershipMoved(self.step, len(wanted), f"back to broker {self.broker}"))
        seconds = self.clock.monotonic() - started
        self.emit(StepDone(self.step, f"broker {self.broker} leads again", seconds))
        return DrainResult(self.broker, tuple(wanted), seconds)

    def _dumps(self, originals: dict[TopicPartition, tuple[int, ...]]) -> str:
        return (
            json.dumps(
                {
                    "version": 1,
                    "broker": self.broker,
                    "orders": {str(tp): list(r) for tp, r in sorted(originals.items())},
                },
                indent=2,
            )
            + "\n"
        )

    def _load(self) -> dict[TopicPartition, tuple[int, ...]]:
        text = self.state.load()
        if text is None:
            return {}
        document = load_json_object(text, source=self.state.location, what="a drain state")
        try:
            if document.get("version") != 1 or document.get("broker") != self.broker:
                raise ValueError("it belongs to another drain")
            return {
                TopicPartition.parse(str(tp)): tuple(int(b) for b in replicas)
                for tp, replicas in dict(document["orders"]).items()
            }
        except (ValueError, KeyError, TypeError, InvalidInput) as exc:
            raise MalformedFile(
                f"not this drain's state ({exc})", path=self.state.location
            ) from exc
