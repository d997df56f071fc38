"""A minimal controller loop: reconcile a desired broker count on a real local Kafka cluster.

What an operator embedding the library does, in a page: each round *observes* the cluster (one
snapshot through ``KafkaAdapter``), *decides* with a pure function of the snapshot and the
desired count (nothing, ``ScaleOut`` or ``ScaleIn``; wait while a reassignment it does not own
is in flight), *acts* through the step with ``LocalBrokerLifecycle`` (a Kubernetes controller
passes ``KubeBrokerLifecycle``), and *checks* convergence on a fresh snapshot. It reconciles
each desired count until a round decides nothing, so every count ends with a round that shows
the cluster already is as desired: reconciling again changes nothing. The steps keep their
progress in a state file, and a round first carries on a step an interrupted run left there.

It starts a 3-broker cluster (three racks) with a topic of replication factor 3 and
``min.insync.replicas`` 2 under a producer and a consumer throughout, and a topic of data to
move, then reconciles ``--desired`` (default ``4,3``: scale out to four, back in to three)
under a replication throttle. The last line is one JSON object: ``ok``, ``lost``,
``under_min_isr_samples``, ``throttles_left``, ``duration_s``, ``rounds``, ``actions``, ...

    python examples/controller_loop.py [--fast] [--desired 4,3] [--throttle BYTES_PER_S]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import attrs
from confluent_kafka import Producer

from confluent_ops.adapters import KafkaAdapter
from confluent_ops.model import ClusterSnapshot
from confluent_ops.planners.health import throttles_in_force, under_replicated_partitions
from confluent_ops.ports import BrokerLifecycle, KafkaAdmin, StepState
from confluent_ops.reporting import LogEvents
from confluent_ops.steps import FileStepState, ScaleIn, ScaleOut, step_policy
from confluent_ops.testing import ClusterSampler, LocalBrokerLifecycle, LocalKafkaCluster, Workload
from confluent_ops.waiting import Check, wait_for

MAX_ROUNDS_PER_COUNT = 3
"""A count that needs more rounds than this does not converge: the controller gives up."""


@attrs.frozen
class Decision:
    """What one round does: ``nothing``, ``wait``, ``scale-out`` or ``scale-in``, and why."""

    action: str
    reason: str
    add: int = 0
    remove: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.action == "scale-out":
            return f"scale-out +{self.add}"
        if self.action == "scale-in":
            return f"scale-in -{list(self.remove)}"
        return self.action


def decide(snapshot: ClusterSnapshot, desired: int) -> Decision:
    """The round's action, from the cluster as observed and the desired broker count.

    Pure: the same snapshot and count always give the same decision. Scaling in removes the
    highest ids first, as a StatefulSet removes its highest ordinals.
    """
    brokers = sorted(snapshot.broker_ids)
    if snapshot.reassignments:
        return Decision("wait", f"{len(snapshot.reassignments)} partition(s) are moving")
    if len(brokers) < desired:
        return Decision(
            "scale-out", f"{len(brokers)} brokers, {desired} desired", add=desired - len(brokers)
        )
    if len(brokers) > desired:
        remove = tuple(brokers[desired - len(brokers) :])
        return Decision("scale-in", f"{len(brokers)} brokers, {desired} desired", remove=remove)
    return Decision("nothing", f"{len(brokers)} brokers, as desired")


def converged(snapshot: ClusterSnapshot, desired: int) -> list[str]:
    """Why the cluster is not yet as desired (empty: it is)."""
    problems = []
    if len(snapshot.broker_ids) != desired:
        problems.append(f"{len(snapshot.broker_ids)} brokers, not {desired}")
    if snapshot.reassignments:
        problems.append(f"{len(snapshot.reassignments)} partition(s) moving")
    under = under_replicated_partitions(snapshot)
    if under:
        problems.append(f"{len(under)} partition(s) under-replicated")
    holding = snapshot.assignment().replica_counts()
    idle = [b for b in snapshot.broker_ids if not holding.get(b)]
    if idle:
        problems.append(f"brokers {idle} hold no replica")
    return problems


class Controller:
    """Reconciles the broker count of one cluster, through the admin and lifecycle ports."""

    def __init__(
        self,
        admin: KafkaAdmin,
        lifecycle: BrokerLifecycle,
        state: StepState,
        *,
        throttle: int,
        concurrency: int,
    ) -> None:
        self.admin = admin
        self.lifecycle = lifecycle
        self.state = state
        self.options = {"throttle": throttle, "concurrency": concurrency, "emit": LogEvents()}
        self.actions: list[str] = []

    def carry_on(self) -> str | None:
        """Finish a step an interrupted run left in the state, before deciding anything new."""
        for kind in (ScaleOut, ScaleIn):
            step = kind.resume(self.admin, self.lifecycle, state=self.state, **self.options)
            if step is not None:
                step.run()
                return f"resumed {kind.step}"
        return None

    def round(self, desired: int) -> Decision:
        """Observe, decide, act, check: one pass of the loop."""
        resumed = self.carry_on()
        if resumed is not None:
            self.actions.append(resumed)
        decision = decide(self.admin.snapshot(sizes=False), desired)
        if decision.action == "scale-out":
            ScaleOut(
                self.admin, self.lifecycle, count=decision.add, state=self.state, **self.options
            ).run()
        elif decision.action == "scale-in":
            ScaleIn(
                self.admin,
                self.lifecycle,
                brokers=decision.remove,
                state=self.state,
                **self.options,
            ).run()
        elif decision.action == "wait":
            self.wait_for_other_moves()
        self.actions.append(decision.describe())
        return decision

    def wait_for_other_moves(self) -> None:
        """Wait (as long as they progress) until reassignments someone else runs are done."""

        def look() -> Check[None]:
            moving = len(self.admin.snapshot(sizes=False).reassignments)
            return Check(moving == 0, progress=moving, blocker=f"{moving} partition(s) moving")

        wait_for(look, policy=step_policy(), what="reassignments in flight to finish")

    def reconcile(self, desired: int) -> int:
        """Rounds until one decides nothing and the cluster is as desired; the rounds taken."""
        for n in range(1, MAX_ROUNDS_PER_COUNT + 1):
            decision = self.round(desired)
            problems = converged(self.admin.snapshot(sizes=False), desired)
            print(
                f"desired {desired}: round {n}: {decision.describe()} ({decision.reason}); "
                + ("converged" if not problems else "not yet: " + "; ".join(problems)),
                flush=True,
            )
            if decision.action == "nothing" and not problems:
                return n
        raise RuntimeError(f"{desired} brokers not reached in {MAX_ROUNDS_PER_COUNT} rounds")


def fill(bootstrap: str, topic: str, partitions: int, megabytes: int) -> None:
    """Write ``megabytes`` of data spread over every partition, so that scaling moves bytes."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for n in range(megabytes * 100):
        producer.produce(topic, value=b"x" * 10_000, partition=n % partitions)
        producer.poll(0)
    producer.flush(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="less data, a higher throttle")
    parser.add_argument("--desired", default="4,3", help="broker counts to reconcile, in turn")
    parser.add_argument("--throttle", type=int, help="bytes/s per broker (default by --fast)")
    parser.add_argument("--concurrency", type=int, default=2, help="copies per broker at once")
    args = parser.parse_args(argv)
    desired_counts = [int(n) for n in args.desired.split(",")]
    if min(desired_counts) < 3:
        parser.error("--desired: every count must be at least 3, the topics' replication factor")
    throttle = args.throttle or (20_000_000 if args.fast else 2_000_000)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("confluent_ops.events").setLevel(logging.INFO)  # what the steps do
    started = time.monotonic()
    rounds = 0
    with (
        tempfile.TemporaryDirectory(prefix="controller-") as work,
        LocalKafkaCluster(3, racks=3) as cluster,
    ):
        partitions = 6 if args.fast else 24
        for topic in ("bulk", "orders"):
            cluster.create_topic(
                topic,
                partitions=partitions,
                replication_factor=3,
                config={"min.insync.replicas": 2},
            )
        bootstrap = cluster.bootstrap_servers
        fill(bootstrap, "bulk", partitions, 2 if args.fast else 40)
        with (
            KafkaAdapter.connect(bootstrap) as admin,
            Workload(bootstrap, "orders", rate=100 if args.fast else 300) as workload,
            ClusterSampler(bootstrap) as sampler,
        ):
            workload.wait_for_acknowledged(50)
            controller = Controller(
                admin,
                LocalBrokerLifecycle(cluster),
                FileStepState(Path(work) / "scale.state.json"),
                throttle=throttle,
                concurrency=args.concurrency,
            )
            for desired in desired_counts:
                rounds += controller.reconcile(desired)
            workload.wait_for_acknowledged(50)
            final = admin.snapshot(sizes=False)
            throttles = throttles_in_force(final)
        seen = sampler.report()
    verdict = workload.verdict
    assert verdict is not None
    figures = {
        "ok": verdict.ok
        and not seen.under_min_isr_samples
        and not throttles
        and len(final.broker_ids) == desired_counts[-1],
        "lost": len(verdict.lost),
        "acknowledged": verdict.acknowledged,
        "under_min_isr_samples": seen.under_min_isr_samples,
        "samples": seen.samples,
        "throttles_left": len(throttles),
        "desired": desired_counts,
        "brokers_final": list(final.broker_ids),
        "rounds": rounds,
        "actions": controller.actions,
        "throttle_bytes_per_s": throttle,
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
