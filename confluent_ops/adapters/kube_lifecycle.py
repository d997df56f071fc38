"""The steps' :class:`~confluent_ops.ports.BrokerLifecycle` on Kubernetes, over the Kube port.

A broker is the pod ``<statefulset>-<id>`` (node ids are ordinals, as the render makes them);
a KRaft controller is ``<controllers>-<id - first_controller_id>``. So the roll, upgrade and
scale steps run unchanged on a provisioned platform:

- ``stop`` deletes the pod (its grace period lets the broker shut down in a controlled way) and
  returns once that pod is gone. The StatefulSet makes it again at once from its current
  template, so ``start`` only waits for the new pod to exist; the steps then wait, through
  Kafka, for the broker to serve and catch up.
- ``start(version=V)`` on a node whose pod runs another image sets the StatefulSet's image tag to
  ``V`` (later pods are made with it) and replaces the pod once more: only the first node of an
  upgrade restarts twice, the second time before it served.
- ``add_broker`` and ``remove_broker`` are the StatefulSet's replicas plus or minus one; only the
  last ordinal can go (Kubernetes removes pods from the end). Given ``platform`` (the rendered
  platform for a number of brokers), they apply its objects instead of scaling alone, so a new
  broker also gets its external Service. Whether its volume claim goes with
  it is the StatefulSet's ``persistentVolumeClaimRetentionPolicy``, which the spec's
  ``storage.on_scale_in`` renders.
- Configuration is the spec's: ``start(config=...)`` is refused; render and provision the
  changed spec, then roll.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from confluent_ops.errors import UnsafeOperation
from confluent_ops.ports import Kube, NodeStatus
from confluent_ops.provision import RenderedPlatform
from confluent_ops.waiting import SYSTEM_CLOCK, Check, WaitPolicy, wait_for

__all__ = ["KubeBrokerLifecycle"]


def _ready(pod: Mapping[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class KubeBrokerLifecycle:
    """Brokers and controllers as pods of their StatefulSets (see the module's docstring)."""

    def __init__(
        self,
        kube: Kube,
        namespace: str,
        *,
        statefulset: str = "kafka",
        controllers: str | None = "kraft",
        first_controller_id: int = 9990,
        policy: WaitPolicy | None = None,
        platform: Callable[[int], RenderedPlatform] | None = None,
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.statefulset = statefulset
        self.controller_set = controllers
        self.first_controller_id = first_controller_id
        self.platform = platform
        self.policy = policy or WaitPolicy(
            interval=0.3, max_interval=2.0, stall=300.0, clock=SYSTEM_CLOCK
        )

    # -- what there is --

    def _replicas(self, name: str | None) -> int:
        if name is None:
            return 0
        status = self.kube.statefulset(name, self.namespace)
        return 0 if status is None else status.replicas

    def brokers(self) -> tuple[int, ...]:
        return tuple(range(self._replicas(self.statefulset)))

    def controllers(self) -> tuple[int, ...]:
        first = self.first_controller_id
        return tuple(first + i for i in range(self._replicas(self.controller_set)))

    def _pod_name(self, node: int) -> str:
        if self.controller_set is not None and node >= self.first_controller_id:
            return f"{self.controller_set}-{node - self.first_controller_id}"
        return f"{self.statefulset}-{node}"

    def _set_of(self, node: int) -> str:
        return self._pod_name(node).rpartition("-")[0]

    def status(self, node: int) -> NodeStatus:
        pod = self.kube.pod(self._pod_name(node), self.namespace)
        if pod is None:
            return NodeStatus(node, False, None, None, "no pod")
        metadata, status = pod["metadata"], pod.get("status") or {}
        deleting = metadata.get("deletionTimestamp") is not None
        phase = status.get("phase", "Pending")
        containers = status.get("containerStatuses") or [{}]
        restarts = int(containers[0].get("restartCount") or 0)
        image = pod["spec"]["containers"][0]["image"]
        running = phase == "Running" and not deleting
        detail = "terminating" if deleting else phase + (", ready" if _ready(pod) else "")
        return NodeStatus(
            node,
            running,
            image.rpartition(":")[2] if ":" in image else None,
            (metadata.get("uid"), phase, restarts, _ready(pod)),
            detail,
            status.get("podIP", ""),
        )

    # -- changes --

    def _wait(self, what: str, done: Any) -> None:
        def look() -> Check[bool]:
            value = done()
            return Check(bool(value), value=True, progress=None, blocker=f"not yet: {what}")

        wait_for(look, policy=self.policy, what=what)

    def stop(self, node: int) -> None:
        name = self._pod_name(node)
        pod = self.kube.pod(name, self.namespace)
        if pod is None:
            return
        uid = pod["metadata"]["uid"]
        self.kube.delete_pod(name, self.namespace)
        self._wait(
            f"pod {name} ({uid}) to be gone",
            lambda: (
                (now := self.kube.pod(name, self.namespace)) is None
                or now["metadata"]["uid"] != uid
            ),
        )

    def start(
        self,
        node: int,
        *,
        version: str | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        if config:
            raise UnsafeOperation(
                "on Kubernetes a configuration comes from the spec: change it there, run "
                "confluent-ops provision, then roll"
            )
        name = self._pod_name(node)
        self._wait(f"pod {name} to be made", lambda: self.kube.pod(name, self.namespace))
        pod = self.kube.pod(name, self.namespace)
        assert pod is not None
        image = pod["spec"]["containers"][0]["image"]
        if version is not None and image.rpartition(":")[2] != version:
            self.kube.set_image(
                self._set_of(node), self.namespace, f"{image.rpartition(':')[0]}:{version}"
            )
            self.stop(node)
            self._wait(f"pod {name} to be made", lambda: self.kube.pod(name, self.namespace))

    def add_broker(self, *, rack: str | None = None, version: str | None = None) -> int:
        """Scale out by one: the new broker's id is the new pod's ordinal. ``rack`` is the
        zone the pod lands in, which scheduling decides (the spec's zone spread)."""
        replicas = self._replicas(self.statefulset)
        self._resize(replicas + 1)
        name = f"{self.statefulset}-{replicas}"
        self._wait(f"pod {name} to be made", lambda: self.kube.pod(name, self.namespace))
        return replicas

    def remove_broker(self, node: int) -> None:
        replicas = self._replicas(self.statefulset)
        if node != replicas - 1:
            raise UnsafeOperation(
                f"a StatefulSet removes only its last pod: broker {replicas - 1}, not {node}"
            )
        self._resize(replicas - 1)
        name = self._pod_name(node)
        self._wait(f"pod {name} to be gone", lambda: self.kube.pod(name, self.namespace) is None)

    def _resize(self, brokers: int) -> None:
        if self.platform is None:
            self.kube.scale(self.statefulset, self.namespace, brokers)
        else:
            self.kube.apply([manifest.to_dict() for manifest in self.platform(brokers)])

    def __repr__(self) -> str:
        return f"KubeBrokerLifecycle({self.namespace}/{self.statefulset})"
