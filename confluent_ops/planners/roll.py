"""In what order to restart a cluster's nodes, which may go down together, and how long it takes.

Pure decisions over a :class:`~confluent_ops.model.ClusterSnapshot`, so that they are tested
with hypothesis over generated clusters and the roll step only carries them out:

- :func:`roll_order`: dedicated KRaft controllers first, one at a time, the active one last
  (an upgrade must reach the controllers before the brokers); then the brokers that do not
  serve (restarting them cannot make anything worse), then the others by id, the broker that
  is the active controller last. With ``parallel``, brokers are grouped into safe batches.
- :func:`restart_together`: whether some brokers can be down at the same time without any
  partition falling below ``min.insync.replicas`` (Strimzi's rule, for a set of brokers).
- :func:`safe_batches`: brokers grouped so that each group can be down together.
- :func:`estimate_roll`: the roll's duration from each node's own restart time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model import ClusterSnapshot
from confluent_ops.planners.health import BlockingPartition, min_isr_of

__all__ = [
    "RollBatch",
    "RollPlan",
    "estimate_roll",
    "restart_together",
    "roll_order",
    "safe_batches",
]


@attrs.frozen
class RollBatch:
    """Nodes restarted together (one, unless the roll runs safe batches), and why now."""

    nodes: tuple[int, ...]
    role: str
    reason: str

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would restart" if dry_run else "restart"
        names = ", ".join(str(n) for n in self.nodes)
        return f"{verb} {self.role} {names}: {self.reason}"


@attrs.frozen
class RollPlan:
    """The batches of a roll in order, with notes on what the order could not avoid."""

    batches: tuple[RollBatch, ...]
    notes: tuple[str, ...] = ()

    @property
    def nodes(self) -> tuple[int, ...]:
        return tuple(n for batch in self.batches for n in batch.nodes)

    def lines(self, *, dry_run: bool = False) -> list[str]:
        """One line per batch, in order (in the conditional for a preview), then the notes."""
        return [
            f"{i}. {batch.describe(dry_run=dry_run)}" for i, batch in enumerate(self.batches, 1)
        ] + [f"note: {note}" for note in self.notes]

    def to_json(self) -> list[dict[str, object]]:
        return [{"nodes": list(b.nodes), "role": b.role, "reason": b.reason} for b in self.batches]

    @classmethod
    def from_json(cls, document: object) -> RollPlan:
        if not isinstance(document, list):
            raise InvalidInput("a roll plan must be a list of batches")
        batches = []
        for entry in document:
            if not isinstance(entry, dict):
                raise InvalidInput("a roll batch must be an object")
            nodes = entry.get("nodes")
            if not isinstance(nodes, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) for n in nodes
            ):
                raise InvalidInput("a roll batch's nodes must be a list of ids")
            batches.append(
                RollBatch(tuple(nodes), str(entry.get("role")), str(entry.get("reason")))
            )
        return cls(tuple(batches))


def restart_together(
    snapshot: ClusterSnapshot, brokers: Collection[int]
) -> tuple[BlockingPartition, ...]:
    """The partitions that would fall below ``min.insync.replicas`` with ``brokers`` all down.

    For each partition the in-sync replicas that remain once in-flight reassignments drop
    their removing replicas count; a partition whose replication factor is at most its
    ``min.insync.replicas`` is left out, as :func:`~confluent_ops.planners.health.can_restart`
    leaves it out (no restart of any of its brokers could keep it writable). Empty: they can.
    """
    down = set(brokers)
    blocking = []
    for p in snapshot:
        if not down.intersection(p.replicas):
            continue
        min_isr = min_isr_of(snapshot, p)
        if len(p.original_replicas) <= min_isr:
            continue
        effective = p.effective_isr
        taken = down.intersection(effective)
        if taken and len(effective) - len(taken) < min_isr:
            left = [b for b in effective if b not in down]
            blocking.append(
                BlockingPartition(
                    p.partition,
                    p.isr,
                    effective,
                    min_isr,
                    f"{p.partition}: in-sync replicas {list(effective)} without brokers "
                    f"{sorted(taken)} would be {left} < min.insync.replicas={min_isr}",
                )
            )
    return tuple(blocking)


def safe_batches(
    snapshot: ClusterSnapshot, brokers: Sequence[int], *, limit: int | None = None
) -> tuple[tuple[int, ...], ...]:
    """``brokers`` grouped so that the brokers of each group can be down together.

    Greedy first fit, brokers that share most partitions with others placed first; each group
    keeps every partition at or above ``min.insync.replicas`` with the whole group down
    (:func:`restart_together`). ``limit`` caps a group's size. Every broker is in exactly one
    group; a broker that cannot even go down alone gets a group of its own (the roll's gate
    will wait for it).
    """
    order = sorted(brokers, key=lambda b: (-len(snapshot.partitions_on(b)), b))
    groups: list[list[int]] = []
    for broker in order:
        for group in groups:
            if limit is not None and len(group) >= limit:
                continue
            if not restart_together(snapshot, [*group, broker]):
                group.append(broker)
                break
        else:
            groups.append([broker])
    ordered = [tuple(sorted(group)) for group in groups]
    return tuple(sorted(ordered, key=lambda g: g[0]))


def roll_order(
    snapshot: ClusterSnapshot,
    *,
    brokers: Iterable[int],
    controllers: Iterable[int] = (),
    parallel: bool = False,
    batch_limit: int | None = None,
) -> RollPlan:
    """The order to restart ``controllers`` and ``brokers`` in, with the reason for each.

    A node is a controller when the KRaft quorum lists it as a voter and it is not a broker.
    ``parallel`` groups the brokers into safe batches (at most ``batch_limit`` each, and never
    more than half the live brokers, so that clients always find brokers up even where no
    partition would suffer); a broker that does not serve, and the active controller, are
    always alone.
    """
    broker_ids = sorted(set(brokers))
    controller_ids = sorted(set(controllers) - set(broker_ids))
    live = set(snapshot.broker_ids)
    leader = snapshot.quorum.leader if snapshot.quorum is not None else None
    active = snapshot.controller
    batches: list[RollBatch] = []
    notes: list[str] = []
    followers = [c for c in controller_ids if c != leader]
    for node in followers:
        batches.append(
            RollBatch(
                (node,),
                "controller",
                "a follower of the metadata quorum, one at a time with a caught-up majority left",
            )
        )
    if leader is not None and leader in controller_ids:
        batches.append(
            RollBatch(
                (leader,),
                "controller",
                "the active controller, last of the controllers: the quorum elects another once",
            )
        )
    not_serving = [b for b in broker_ids if b not in live]
    for node in not_serving:
        batches.append(
            RollBatch((node,), "broker", "not serving now: restarting it cannot make things worse")
        )
    last = active if active in broker_ids and active in live else None
    rest = [b for b in broker_ids if b in live and b != last]
    if parallel and rest:
        half = max(1, len(live) // 2)
        limit = half if batch_limit is None else min(batch_limit, half)
        for group in safe_batches(snapshot, rest, limit=limit):
            why = (
                "no partition falls below min.insync.replicas with these down together"
                if len(group) > 1
                else "shares a partition near min.insync.replicas with every batch: alone"
            )
            batches.append(RollBatch(group, "broker", why))
    else:
        for node in rest:
            batches.append(RollBatch((node,), "broker", "one at a time, by id"))
    if last is not None:
        batches.append(
            RollBatch(
                (last,),
                "broker",
                "the active controller, last: leadership of the cluster moves only once",
            )
        )
    if len(live) < 2 and broker_ids:
        notes.append("a single live broker: every restart makes every partition unavailable")
    return RollPlan(tuple(batches), tuple(notes))


def estimate_roll(plan: RollPlan, *, seconds_per_node: float | Mapping[int, float]) -> float:
    """Seconds for the whole roll: batches one after another, each as long as its slowest node.

    ``seconds_per_node`` is each node's own stop, start and catch-up time (one figure for all,
    or per node, e.g. measured on the last roll).
    """

    def seconds(node: int) -> float:
        if isinstance(seconds_per_node, Mapping):
            return float(seconds_per_node.get(node, max(seconds_per_node.values(), default=0.0)))
        return float(seconds_per_node)

    return sum(max(seconds(n) for n in batch.nodes) for batch in plan.batches)
