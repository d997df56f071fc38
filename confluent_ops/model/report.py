"""What a plan reports about itself: moves, bytes, bounds, balance before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import cattrs

from confluent_ops.model._frozen import FrozenDict, frozen_dict

__all__ = ["BrokerBalance", "GoalOutcome", "LogDirBalance", "PlanReport"]


@attrs.frozen
class BrokerBalance:
    """One broker's load before and after a plan."""

    broker: int
    rack: str | None
    replicas_before: int
    replicas_after: int
    leaders_before: int
    leaders_after: int
    bytes_before: int
    bytes_after: int
    removed: bool = False
    disk_bytes: int | None = None
    """The broker's disk capacity, when capacities were given."""

    @property
    def disk_used_after(self) -> float | None:
        """The fraction of its disk the broker fills after the plan."""
        return self.bytes_after / self.disk_bytes if self.disk_bytes else None


@attrs.frozen
class GoalOutcome:
    """One planning goal's verdict on a plan: met or not, why, and what it changed."""

    goal: str
    met: bool
    detail: str
    moves: int = 0
    leader_changes: int = 0


@attrs.frozen
class LogDirBalance:
    """One log directory of one broker (JBOD): its bytes before and after a plan.

    ``total_bytes`` is its volume's size when the broker reports it (Kafka 3.3+); an offline
    directory is listed with what it held, and receives nothing.
    """

    broker: int
    path: str
    bytes_before: int
    bytes_after: int
    total_bytes: int | None = None
    online: bool = True

    @property
    def used_after(self) -> float | None:
        """The fraction of its volume it fills after the plan (None when the size is unknown)."""
        return self.bytes_after / self.total_bytes if self.total_bytes else None


def _as_dict(counts: Mapping[str, int]) -> FrozenDict[str, int]:
    return frozen_dict(counts)


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


@attrs.frozen
class PlanReport:
    """The quality of a plan, computed by the planner that made it.

    ``lower_bound_moves`` is a number of replica moves no plan for the same request can go
    below; ``lower_bound_derivation`` says how it was derived. ``decided_by`` counts the replica
    moves each planning goal made (a plan's moves can be traced to the goal that wanted them).
    ``notes`` explains every target the plan could not meet and why.
    """

    request: str
    replica_moves: int
    leader_changes: int
    partitions_changed: int
    bytes_moved: int | None
    lower_bound_moves: int
    lower_bound_derivation: str
    brokers: tuple[BrokerBalance, ...]
    rack_violations_before: int
    rack_violations_after: int
    decided_by: Mapping[str, int] = attrs.field(converter=_as_dict, factory=FrozenDict)
    notes: tuple[str, ...] = ()
    replicas_removed: int = 0
    complete: bool = True
    goals: tuple[GoalOutcome, ...] = ()
    lower_bound_bytes: int | None = None
    lower_bound_bytes_derivation: str = ""
    topic_spread_before: int = 0
    topic_spread_after: int = 0
    topic_leader_spread_after: int = 0
    partitions_moved_whole: int = 0
    """Partitions that keep none of their current replicas: their copies wait for one another
    and come from a leader that is itself leaving, so plans avoid them."""
    # Log directories (JBOD), set by planners.log_dirs.plan_log_dirs: replicas copied into
    # another directory of the broker that keeps them, their bytes, and every directory.
    intra_broker_moves: int = 0
    intra_broker_bytes: int = 0
    log_dirs: tuple[LogDirBalance, ...] = ()

    @property
    def sizes_known(self) -> bool:
        return self.bytes_moved is not None

    @property
    def brokers_after(self) -> tuple[BrokerBalance, ...]:
        """The brokers of the target cluster (removed brokers left out)."""
        return tuple(b for b in self.brokers if not b.removed)

    @property
    def replica_spread_before(self) -> int:
        return _spread([b.replicas_before for b in self.brokers])

    @property
    def replica_spread_after(self) -> int:
        return _spread([b.replicas_after for b in self.brokers_after])

    @property
    def leader_spread_after(self) -> int:
        return _spread([b.leaders_after for b in self.brokers_after])

    @property
    def max_bytes_ratio_after(self) -> float | None:
        """The heaviest broker's bytes over the mean (None without sizes or without bytes)."""
        if not self.sizes_known:
            return None
        values = [b.bytes_after for b in self.brokers_after]
        mean = sum(values) / len(values) if values else 0
        return max(values) / mean if mean else None

    @property
    def max_disk_used_after(self) -> float | None:
        """The fullest broker's fraction of its disk (None without capacities and sizes)."""
        used = [b.disk_used_after for b in self.brokers_after if b.disk_used_after is not None]
        return max(used) if used and self.sizes_known else None

    @property
    def goals_unmet(self) -> tuple[str, ...]:
        return tuple(g.goal for g in self.goals if not g.met)

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON-ready data (``--summary-json``)."""
        data: dict[str, Any] = cattrs.unstructure(self)
        data["replica_spread_before"] = self.replica_spread_before
        data["replica_spread_after"] = self.replica_spread_after
        data["leader_spread_after"] = self.leader_spread_after
        data["max_bytes_ratio_after"] = self.max_bytes_ratio_after
        data["max_disk_used_after"] = self.max_disk_used_after
        return data

    def summary_lines(self) -> list[str]:
        """A human summary, one fact per line, for a terminal or a notebook."""
        bytes_text = (
            "unknown (no log-dirs given)" if self.bytes_moved is None else f"{self.bytes_moved:,}"
        )
        lines = [
            f"plan: {self.request}",
            f"partitions changed: {self.partitions_changed:,}; "
            f"replica moves: {self.replica_moves:,}"
            f" (lower bound {self.lower_bound_moves:,}); leader changes: {self.leader_changes:,}",
            f"lower bound: {self.lower_bound_derivation}",
            f"bytes moved: {bytes_text}"
            + (
                f" (lower bound {self.lower_bound_bytes:,}: {self.lower_bound_bytes_derivation})"
                if self.lower_bound_bytes is not None and self.lower_bound_bytes_derivation
                else ""
            ),
            f"rack violations: {self.rack_violations_before} before, "
            f"{self.rack_violations_after} after",
            f"replica spread (max-min per broker): {self.replica_spread_before} before, "
            f"{self.replica_spread_after} after; leader spread after: {self.leader_spread_after}",
        ]
        lines.append(
            f"topic spread (widest max-min per broker): {self.topic_spread_before} before, "
            f"{self.topic_spread_after} after; topic leader spread after: "
            f"{self.topic_leader_spread_after}"
        )
        if self.partitions_moved_whole:
            whole = self.partitions_moved_whole
            lines.append(f"partitions keeping none of their current replicas: {whole:,}")
        if self.max_disk_used_after is not None:
            lines.append(f"fullest disk after: {self.max_disk_used_after:.1%}")
        for g in self.goals:
            verdict = "met" if g.met else "NOT MET"
            lines.append(
                f"goal {g.goal}: {verdict}; {g.moves:,} moves, {g.leader_changes:,} reorders"
                + (f"; {g.detail}" if g.detail else "")
            )
        if self.replicas_removed:
            lines.append(f"replicas removed: {self.replicas_removed:,}")
        if self.decided_by:
            goals = ", ".join(f"{goal} {n:,}" for goal, n in sorted(self.decided_by.items()))
            lines.append(f"moves by goal: {goals}")
        header = f"{'broker':>7} {'rack':<10} {'replicas':>17} {'leaders':>15}"
        if self.sizes_known:
            header += f" {'bytes':>31}"
        lines.append(header)
        for b in self.brokers:
            row = (
                f"{b.broker:>7} {b.rack or '-':<10} {b.replicas_before:>7} -> {b.replicas_after:<7}"
                f" {b.leaders_before:>6} -> {b.leaders_after:<6}"
            )
            if self.sizes_known:
                row += f" {b.bytes_before:>14,} -> {b.bytes_after:<14,}"
            lines.append(row)
        lines.extend(self.log_dir_lines())
        lines.extend(f"note: {note}" for note in self.notes)
        return lines

    def log_dir_lines(self) -> list[str]:
        """The log-directory part of the summary; empty unless directories were planned."""
        if not self.log_dirs:
            return []
        lines = [
            f"intra-broker moves: {self.intra_broker_moves:,} "
            f"({self.intra_broker_bytes:,} bytes copied between directories of a broker)",
            f"{'broker':>7} {'log dir':<30} {'bytes':>31} {'used after':>10}",
        ]
        for d in self.log_dirs:
            used = f"{d.used_after:.1%}" if d.used_after is not None else "-"
            lines.append(
                f"{d.broker:>7} {d.path + ('' if d.online else ' (offline)'):<30} "
                f"{d.bytes_before:>14,} -> {d.bytes_after:<14,} {used:>10}"
            )
        return lines
