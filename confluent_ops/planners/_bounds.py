"""Lower bounds on replica moves and bytes moved, from the input and the goals alone.

The bound is about every plan that balances at least as well as this one: for each goal in
force, each broker (and each topic on each broker) ends within the goal's range, or no farther
from it than this plan left it. Nothing the planner chose (which replica, which broker) enters:
only the input, the goals' ranges and, for a goal not met, how far the plan got.

Counting per broker ``b`` (``c`` replicas now, allowed ``lo..hi`` after):

- moves out of ``b`` are at least its excess over ``hi``, the sum of its topics' excesses over
  their ranges, and the fewest of its largest replicas that shed its bytes above the cap;
- moves into ``b`` are at least its shortfall under ``lo`` and its topics' shortfalls;
- out - in = c - (count after), so a broker that must shed while at ``lo`` must also take in,
  and one that must take in while at ``hi`` must also give;
- every move is one out and one in, and a broker never receives its own replica:
  moves >= max(sum of outs, sum of ins, out + in of any one broker).

Per partition, the replicas on removed brokers and the racks it lacks are moves too, and no
other partition's move can serve them: moves >= their sum. The bound is the larger of the two.
Bytes: each move copies one replica, so bytes >= what the outs carry (at least the smallest
replicas of the broker, at least its bytes above the cap) and what the ins carry (at least the
smallest partitions of the cluster).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Container
from itertools import accumulate

from confluent_ops.planners._workspace import Workspace

REPLICAS = "replica-distribution"
TOPICS = "topic-replica-distribution"
BYTES = "disk-usage-distribution"
CAPACITY = "disk-capacity"
RACKS = "rack-awareness"
NETWORK_IN = "network-inbound-distribution"


def _relaxed(low: float, high: float, final: float) -> tuple[float, float]:
    """The goal's range, widened to include where the plan left the value (a goal not met)."""
    return min(low, final), max(high, final)


def count_limits(ws: Workspace, broker: int, in_force: Container[str]) -> tuple[float, float]:
    """Replicas the broker may end with, in any plan as balanced as the one in ``ws``."""
    final = ws.count[broker]
    if broker in ws.removed:
        return _relaxed(0, 0, final)
    if REPLICAS in in_force:
        return _relaxed(*ws.count_range(broker), final)
    return 0, math.inf


def topic_limits(
    ws: Workspace, topic: int, in_force: Container[str]
) -> dict[int, tuple[int, int]] | None:
    """Per broker, the replicas of ``topic`` it may end with (None: the topic goal is not in
    force, or the topic is frozen). One table per topic: the callers visit every broker."""
    if TOPICS not in in_force or ws.topic_frozen[topic]:
        return None
    final = ws.cell[topic]
    return {
        b: (min(low, final.get(b, 0)), max(high, final.get(b, 0)))
        for b, (low, high) in ws.cell_ranges(topic).items()
    }


def byte_limits(ws: Workspace, broker: int, in_force: Container[str]) -> tuple[float, float]:
    """Bytes the broker may end with: the disk-usage range and the capacity limit, relaxed."""
    if not ws.sizes_known or broker in ws.removed:
        return 0, math.inf
    low, high = 0.0, math.inf
    if BYTES in in_force and ws.total_bytes:
        low, high = ws.byte_range(broker, ws.byte_tolerance)
    if CAPACITY in in_force and broker in ws.disk_limit:
        high = min(high, ws.disk_limit[broker])
    return _relaxed(low, high, ws.bytes[broker])


def network_in_limits(ws: Workspace, broker: int) -> tuple[float, float]:
    """Bytes/s the broker may receive: the network-inbound range, relaxed to the plan's."""
    low, high = ws.load_range("net_in", broker, ws.byte_tolerance)
    return _relaxed(low, high, ws.net_in[broker])


def racks_needed(ws: Workspace, pid: int, in_force: Container[str]) -> int:
    """Racks the partition must span: what the rack constraint keeps, what the goal reached."""
    if not ws.target_racks:
        return 0
    required = ws.required_racks(pid)
    had = len({ws.rack[b] for b in ws.original[pid]})
    kept = min(had, required)
    if RACKS in in_force:
        return max(kept, min(required, ws.racks_of(pid)))
    return kept


def lower_bounds(ws: Workspace, in_force: Container[str]) -> tuple[int, str, int | None, str]:
    """(moves bound, its derivation, bytes bound or None, its derivation) for the plan in ``ws``."""
    original = ws.original
    count = ws.initial_count
    held_sizes = ws.initial_sizes
    cells = ws.initial_cells
    sizes_known = ws.sizes_known
    smallest = list(accumulate(sorted(ws.size))) if sizes_known else []
    largest_first: list[int] = []  # sorted only if some broker lacks bytes
    # Per broker, the topic replicas it must give and take to bring every topic into range.
    topic_out: dict[int, int] = dict.fromkeys(ws.all_brokers, 0)
    topic_in: dict[int, int] = dict.fromkeys(ws.all_brokers, 0)
    for topic, initial in enumerate(cells):
        limits = topic_limits(ws, topic, in_force)
        if limits is None:
            continue
        for b, (t_low, t_high) in limits.items():
            have = initial.get(b, 0)
            if have > t_high:
                topic_out[b] += have - t_high
            elif have < t_low:
                topic_in[b] += t_low - have

    outs: dict[int, int] = {}
    ins: dict[int, int] = {}
    bytes_out = bytes_in = 0.0
    for b in ws.all_brokers:
        now = count[b]
        low, high = count_limits(ws, b, in_force)
        forced_out = max(0.0, now - high)
        forced_in = max(0.0, low - now)
        forced_out = max(forced_out, topic_out[b])
        forced_in = max(forced_in, topic_in[b])
        shed = 0.0
        b_low, b_high = byte_limits(ws, b, in_force)
        if sizes_known:
            excess = sum(held_sizes[b]) - b_high
            if excess > 0:
                shed = excess
                mine = list(accumulate(reversed(held_sizes[b])))
                forced_out = max(forced_out, min(bisect.bisect_left(mine, excess) + 1, len(mine)))
        lack = 0.0
        if sizes_known:
            lack = b_low - sum(held_sizes[b])
            if lack > 0:
                # At least the fewest of the cluster's largest partitions that fill the gap.
                if not largest_first:
                    largest_first = list(accumulate(sorted(ws.size, reverse=True)))
                forced_in = max(forced_in, bisect.bisect_left(largest_first, lack) + 1)
        out = max(forced_out, forced_in + now - high, 0)
        in_ = max(forced_in, out - (now - low), 0)
        out = max(out, in_ + now - high)
        outs[b], ins[b] = int(out), int(in_)
        if sizes_known:
            bytes_out += max(shed, sum(held_sizes[b][: outs[b]]))  # its smallest, as held
            bytes_in += max(lack, smallest[ins[b] - 1] if ins[b] and smallest else 0)

    total_out, total_in = sum(outs.values()), sum(ins.values())
    one = max((outs[b] + ins[b] for b in ws.all_brokers), default=0)
    per_partition = 0
    # A partition no step touched holds what it held: nothing forced on it is left undone.
    for pid in ws.touched_partitions():
        replicas = original[pid]
        on_removed = sum(1 for b in replicas if b in ws.removed)
        left = sum(1 for b in ws.replicas[pid] if b in ws.removed)
        lacking = 0
        if ws.target_racks:
            lacking = max(0, racks_needed(ws, pid, in_force) - len({ws.rack[b] for b in replicas}))
        per_partition += max(on_removed - left, lacking)
    bound = max(total_out, total_in, one, per_partition)
    text = (
        f"{bound} = max(moves out {total_out}, moves in {total_in}, "
        f"out + in of one broker {one}, per partition {per_partition})"
    )
    if not sizes_known:
        return bound, text, None, ""
    byte_bound = int(max(bytes_out, bytes_in))
    byte_text = (
        f"{byte_bound:,} = max(bytes the forced moves out carry {bytes_out:,.0f}, "
        f"bytes the forced moves in carry {bytes_in:,.0f})"
    )
    return bound, text, byte_bound, byte_text
