"""Provision: apply a rendered platform to Kubernetes and wait until every StatefulSet is ready.

The step is the slides' first promise on a real API: every object of
:func:`~confluent_ops.provision.render` is applied with server-side apply (in the rendered
order: namespace, accounts, Secrets, ConfigMaps, Services, budgets, StatefulSets), then the step
waits until each StatefulSet has all its replicas ready, with the steps' progress-based wait (a
pod that becomes ready is progress; only a stall gives up). The preview is the same apply with
``dryRun=All``: the API server's own validation and admission judge every object, nothing is
changed, and the result says which objects would be created or changed, with a diff of each.

Running it again is the way to resume and to update: unchanged objects stay unchanged, and a
conflict with another field manager stops before the object it concerns (nothing of that object
is written). Brokers are never restarted by an apply (their StatefulSets use ``OnDelete``): a
changed configuration waits for a roll.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs

from confluent_ops.ports import AppliedObject, Kube, WorkloadStatus
from confluent_ops.provision import RenderedPlatform
from confluent_ops.provision.diff import object_diff
from confluent_ops.steps._waits import step_policy
from confluent_ops.steps.events import (
    Emit,
    StepDone,
    StepProgress,
    StepStarted,
    StepWaiting,
    ignore,
)
from confluent_ops.waiting import Check, WaitPolicy, wait_for

__all__ = ["Provision", "ProvisionResult"]

STEP = "provision"


@attrs.frozen
class ProvisionResult:
    """What the apply did (or would do), each changed object's diff, and the StatefulSets."""

    applied: tuple[AppliedObject, ...]
    diffs: tuple[tuple[str, str], ...]
    workloads: tuple[WorkloadStatus, ...]
    dry_run: bool
    seconds: float

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.applied if item.outcome == outcome)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{len(self.applied)} objects: {self.count('created')} {verb} created, "
            f"{self.count('configured')} {verb} changed, {self.count('unchanged')} unchanged"
        )


class Provision:
    """Apply ``rendered`` through ``kube`` and wait for its StatefulSets (see the module)."""

    def __init__(
        self,
        kube: Kube,
        rendered: RenderedPlatform,
        *,
        force: bool = False,
        policy: WaitPolicy | None = None,
        emit: Emit = ignore,
    ) -> None:
        self.kube = kube
        self.rendered = rendered
        self.force = force
        self.policy = policy or step_policy()
        self.emit = emit

    def _objects(self) -> list[dict[str, object]]:
        return [manifest.to_dict() for manifest in self.rendered]

    def _statefulsets(self) -> list[str]:
        return [manifest.name for manifest in self.rendered.of_kind("StatefulSet")]

    def preview(self) -> ProvisionResult:
        """A server-side dry run of every object: what would change, and how."""
        started = time.monotonic()
        self.emit(
            StepStarted(
                STEP,
                f"apply {len(self.rendered)} objects to namespace {self.rendered.spec.namespace}",
                plan=tuple(repr(m) for m in self.rendered),
                dry_run=True,
            )
        )
        applied = self.kube.apply(self._objects(), dry_run=True, force=self.force)
        result = ProvisionResult(
            applied=applied,
            diffs=_diffs(applied),
            workloads=(),
            dry_run=True,
            seconds=time.monotonic() - started,
        )
        self.emit(StepDone(STEP, result.summary(), result.seconds, dry_run=True))
        return result

    def run(self, *, wait: bool = True) -> ProvisionResult:
        """Apply every object, then (``wait``) wait until every StatefulSet is ready."""
        started = time.monotonic()
        self.emit(
            StepStarted(
                STEP,
                f"apply {len(self.rendered)} objects to namespace {self.rendered.spec.namespace}"
                + (" and wait until every StatefulSet is ready" if wait else ""),
                plan=tuple(repr(m) for m in self.rendered),
            )
        )
        applied = self.kube.apply(self._objects(), force=self.force)
        workloads = self._wait() if wait else ()
        result = ProvisionResult(
            applied=applied,
            diffs=_diffs(applied),
            workloads=workloads,
            dry_run=False,
            seconds=time.monotonic() - started,
        )
        ready = sum(w.ready for w in workloads)
        self.emit(
            StepDone(
                STEP,
                result.summary() + (f"; {ready} pods ready" if wait else ""),
                result.seconds,
                figures={"created": result.count("created"), "ready pods": ready},
            )
        )
        return result

    def _wait(self) -> tuple[WorkloadStatus, ...]:
        namespace = self.rendered.spec.namespace
        names = self._statefulsets()
        total = sum(
            int(m.to_dict()["spec"]["replicas"]) for m in self.rendered.of_kind("StatefulSet")
        )

        def look() -> Check[tuple[WorkloadStatus, ...]]:
            found = [self.kube.statefulset(name, namespace) for name in names]
            statuses = tuple(status for status in found if status is not None)
            ready = sum(status.ready for status in statuses)
            self.emit(StepProgress(STEP, "pods ready", ready, total))
            waiting = [f"{s.name} {s.ready}/{s.replicas}" for s in statuses if not s.settled] + [
                name for name, status in zip(names, found, strict=True) if status is None
            ]
            return Check(
                not waiting and len(statuses) == len(names),
                value=statuses,
                progress=ready,
                blocker="not ready yet: " + ", ".join(waiting),
            )

        def on_wait(check: Check[tuple[WorkloadStatus, ...]], seconds: float) -> None:
            self.emit(StepWaiting(STEP, "every StatefulSet ready", check.blocker, seconds))

        statuses = wait_for(
            look, policy=self.policy, what="every StatefulSet ready", on_wait=on_wait
        )
        return statuses or ()


def _diffs(applied: Sequence[AppliedObject]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"{item.kind} {item.name}", object_diff(item.live, item.result))
        for item in applied
        if item.outcome != "unchanged"
    )
