"""The demo's picture: where the replicas and leaders were, and how long partitions were short.

Two panels in one PNG: per-broker replicas and leaders at each moment the demo measured (the
start, after the scale-out, the end), and the under-replicated partitions the sampler counted
over time, with the demo's phases shaded, so that a reader sees each step's cost where it
happened. matplotlib is the ``demo`` extra's; it draws off screen (the Agg backend).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from confluent_ops._files import write_atomically
from confluent_ops.testing import SamplerPoint

__all__ = ["BrokerLoad", "Phase", "write_plot"]


@attrs.frozen
class BrokerLoad:
    """One broker's replicas and current leaderships at one moment."""

    broker: int
    replicas: int
    leaders: int


@attrs.frozen
class Phase:
    """A named part of the demo, in seconds from the sampler's start."""

    name: str
    start: float
    end: float


def write_plot(
    path: Path,
    loads: Mapping[str, Sequence[BrokerLoad]],
    timeline: Sequence[SamplerPoint],
    phases: Sequence[Phase],
) -> Path:
    """Draw both panels and write them to ``path`` (whole or not at all)."""
    import matplotlib  # noqa: PLC0415 - an optional extra, loaded only to draw

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, (bars, over_time) = pyplot.subplots(2, 1, figsize=(10, 8), constrained_layout=True)
    brokers = sorted({load.broker for moment in loads.values() for load in moment})
    width = 0.8 / max(1, len(loads))
    for index, (moment, values) in enumerate(loads.items()):
        by_broker = {load.broker: load for load in values}
        offsets = [b + (index - (len(loads) - 1) / 2) * width for b in brokers]
        replicas = [by_broker[b].replicas if b in by_broker else 0 for b in brokers]
        leaders = [by_broker[b].leaders if b in by_broker else 0 for b in brokers]
        drawn = bars.bar(offsets, replicas, width, label=f"replicas, {moment}", alpha=0.55)
        bars.bar(
            offsets, leaders, width * 0.5, color=drawn.patches[0].get_facecolor(), alpha=1.0,
            label=f"leaders, {moment}", hatch="//", edgecolor="black", linewidth=0.3,
        )  # fmt: skip
    bars.set_xticks(brokers, [f"broker {b}" for b in brokers])
    bars.set_ylabel("partitions")
    bars.set_title("replicas (wide bars) and leaders (hatched) per broker")
    bars.legend(fontsize="small", ncols=2)
    seconds = [point.at for point in timeline]
    over_time.step(
        seconds, [p.under_replicated for p in timeline], where="post", label="under-replicated"
    )
    over_time.step(
        seconds, [p.under_min_isr for p in timeline], where="post", label="under min ISR",
        color="red",
    )  # fmt: skip
    total = max((phase.end for phase in phases), default=0.0) or 1.0
    for index, phase in enumerate(phases):
        over_time.axvspan(phase.start, phase.end, alpha=0.06 + 0.08 * (index % 2), color="gray")
        if (phase.end - phase.start) / total >= 0.04:  # a label wider than its span would hide
            over_time.annotate(
                phase.name, ((phase.start + phase.end) / 2, 0.97),
                xycoords=("data", "axes fraction"), fontsize="small", ha="center", va="top",
            )  # fmt: skip
    over_time.set_xlabel("seconds")
    over_time.set_ylabel("partitions")
    over_time.set_title("partitions under-replicated and under min.insync.replicas, over time")
    over_time.legend(fontsize="small", loc="center left")  # the phase labels run along the top
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    pyplot.close(figure)
    return write_atomically(path, buffer.getvalue())
