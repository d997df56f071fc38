"""The :class:`~confluent_ops.ports.Kube` port over the official ``kubernetes`` client.

Every change is a server-side apply under one field manager (``confluent-ops``): the API server
merges our fields with everyone else's, remembers which are ours, and refuses (409) to take a
field another manager set unless told to force. The refusal becomes a
:class:`~confluent_ops.errors.FieldConflict` naming each field and its manager; a dry run is the
same request with ``dryRun=All``, so it is judged by the real admission chain and changes
nothing (except the objects of a namespace the same dry run creates: the server cannot judge
them before the namespace exists, so they are reported created, ``checked=False``). Whether
an apply created, changed or left an object alone is read from the object's
``resourceVersion`` (a dry run compares the object it would write with the live one).

Client errors are translated in one place (:func:`_raise_for`): 401 is
:class:`~confluent_ops.errors.AuthenticationFailed`, 403
:class:`~confluent_ops.errors.AuthorizationFailed`, a connection that fails
:class:`~confluent_ops.errors.ClusterUnreachable`, anything else
:class:`~confluent_ops.errors.ClusterRequestFailed` with the API's own message. No message
carries a Secret's data: the API never echoes it in errors, and objects are named, not shown.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn

import urllib3
from kubernetes import config as kube_config
from kubernetes import dynamic
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError

from confluent_ops._files import read_input_bytes
from confluent_ops.errors import (
    AuthenticationFailed,
    AuthorizationFailed,
    ClusterRequestFailed,
    ClusterUnreachable,
    FieldConflict,
    InvalidInput,
)
from confluent_ops.ports import AppliedObject, WorkloadStatus
from confluent_ops.provision.diff import comparable

__all__ = ["FIELD_MANAGER", "KubeAdapter"]

FIELD_MANAGER = "confluent-ops"
REQUEST_TIMEOUT = 30.0
"""Seconds a request to the API may take (connecting and reading) before it is unreachable."""


def _where(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata", {})
    namespace = metadata.get("namespace")
    return f"{obj.get('kind')} {namespace + '/' if namespace else ''}{metadata.get('name')}"


def _conflicts(body: str) -> tuple[tuple[str, str], ...]:
    """(field, manager) pairs from a 409 apply response."""
    try:
        causes = json.loads(body).get("details", {}).get("causes", [])
    except (ValueError, AttributeError):
        return ()
    found = []
    for cause in causes:
        message = str(cause.get("message", ""))
        manager = message.split('"')[1] if message.count('"') >= 2 else "another manager"
        found.append((str(cause.get("field", "?")), manager))
    return tuple(found)


def _message(body: str | None) -> str:
    try:
        return str(json.loads(body or "{}").get("message", "")) or (body or "")[:300]
    except ValueError:
        return (body or "")[:300]


def _unjudged(obj: Mapping[str, Any]) -> AppliedObject:
    """A dry run's object in a namespace the same dry run creates: created, as sent."""
    metadata = obj["metadata"]
    return AppliedObject(
        api_version=obj["apiVersion"],
        kind=obj["kind"],
        name=metadata["name"],
        namespace=metadata.get("namespace"),
        outcome="created",
        result=json.loads(json.dumps(obj)),
        live=None,
        checked=False,
    )


class KubeAdapter:
    """The Kube port on one API server (a kubeconfig, or the pod's in-cluster account)."""

    def __init__(
        self,
        api_client: ApiClient,
        *,
        field_manager: str = FIELD_MANAGER,
        server: str = "the Kubernetes API",
    ) -> None:
        self._api = api_client
        self._core = CoreV1Api(api_client)
        self._dynamic: dynamic.DynamicClient | None = None
        self.field_manager = field_manager
        self.server = server

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        context: str | None = None,
        field_manager: str = FIELD_MANAGER,
    ) -> KubeAdapter:
        """From a kubeconfig (``path``, else ``$KUBECONFIG`` or ``~/.kube/config``), or the
        in-cluster service account when there is none and we run in a pod."""
        if path is not None:
            read_input_bytes(path, what="kubeconfig", limit=1 << 22)  # unusable: named, 66
        try:
            if (
                path is None
                and "KUBERNETES_SERVICE_HOST" in os.environ
                and not (os.environ.get("KUBECONFIG"))
            ):
                kube_config.load_incluster_config()
                client = ApiClient()
            else:
                client = kube_config.new_client_from_config(
                    config_file=os.fspath(path) if path is not None else None, context=context
                )
        except Exception as exc:  # the loader raises what its YAML and dict walks meet
            where = os.fspath(path) if path is not None else "the default kubeconfig"
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise InvalidInput(f"{where}: not a usable kubeconfig ({reason})") from None
        client.rest_client.pool_manager.connection_pool_kw["timeout"] = urllib3.Timeout(
            connect=REQUEST_TIMEOUT, read=REQUEST_TIMEOUT
        )
        return cls(client, field_manager=field_manager, server=client.configuration.host)

    # -- errors --

    def _raise_for(self, operation: str, exc: BaseException) -> NoReturn:
        if isinstance(exc, ApiException | DynamicApiError):
            status = getattr(exc, "status", None)
            body = getattr(exc, "body", None)
            text = _message(body if isinstance(body, str) else None) or str(exc)[:300]
            if status == 401:
                raise AuthenticationFailed(self.server, text) from exc
            if status == 403:
                raise AuthorizationFailed(
                    operation,
                    "a Kubernetes object",
                    text,
                    remedy="grant the account a Role or ClusterRole for it (RBAC), or use one "
                    "that has it",
                ) from exc
            if status in (400, 422):
                raise InvalidInput(f"the API refused to {operation}: {text}") from exc
            raise ClusterRequestFailed(operation, f"HTTP {status}: {text}") from exc
        if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
            raise ClusterUnreachable(self.server, REQUEST_TIMEOUT, str(exc)[:300]) from exc
        raise ClusterRequestFailed(operation, str(exc)[:300]) from exc

    @contextlib.contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        try:
            yield
        except (ApiException, DynamicApiError, urllib3.exceptions.HTTPError, OSError) as exc:
            self._raise_for(operation, exc)

    def _resources(self) -> dynamic.DynamicClient:
        if self._dynamic is None:
            with self._translated("discover the API's resources"):
                self._dynamic = dynamic.DynamicClient(self._api)
        return self._dynamic

    # -- the port --

    def apply(
        self, objects: Sequence[Mapping[str, Any]], *, dry_run: bool = False, force: bool = False
    ) -> tuple[AppliedObject, ...]:
        """Server-side apply each object in order; a conflict stops before the next one."""
        results: list[AppliedObject] = []
        for obj in objects:
            namespace = obj["metadata"].get("namespace")
            new_namespace = any(
                r.kind == "Namespace" and r.name == namespace and r.outcome == "created"
                for r in results
            )
            if dry_run and new_namespace:
                results.append(_unjudged(obj))
                continue
            results.append(self._apply_one(obj, dry_run=dry_run, force=force))
        return tuple(results)

    def _apply_one(self, obj: Mapping[str, Any], *, dry_run: bool, force: bool) -> AppliedObject:
        metadata = obj["metadata"]
        name, namespace = metadata["name"], metadata.get("namespace")
        where = _where(obj)
        try:
            resource = self._resources().resources.get(
                api_version=obj["apiVersion"], kind=obj["kind"]
            )
        except ResourceNotFoundError:
            raise ClusterRequestFailed(
                f"apply {where}", f"the API has no {obj['apiVersion']} {obj['kind']}"
            ) from None
        with self._translated(f"read {where}"):
            try:
                live = resource.get(name=name, namespace=namespace).to_dict()
            except DynamicApiError as exc:
                if exc.status != 404:
                    raise
                live = None
        params: dict[str, Any] = {"field_manager": self.field_manager, "force_conflicts": force}
        if dry_run:
            params["dry_run"] = "All"
        try:
            result = resource.server_side_apply(
                body=dict(obj), name=name, namespace=namespace, **params
            ).to_dict()
        except DynamicApiError as exc:
            if exc.status == 409:
                conflicts = _conflicts(exc.body if isinstance(exc.body, str) else "")
                raise FieldConflict(where, conflicts or (("?", "another manager"),)) from None
            self._raise_for(f"apply {where}", exc)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            self._raise_for(f"apply {where}", exc)
        if live is None:
            outcome = "created"
        elif dry_run:
            outcome = "unchanged" if comparable(live) == comparable(result) else "configured"
        else:
            same = live["metadata"].get("resourceVersion") == result["metadata"].get(
                "resourceVersion"
            )
            outcome = "unchanged" if same else "configured"
        return AppliedObject(
            api_version=obj["apiVersion"],
            kind=obj["kind"],
            name=name,
            namespace=namespace,
            outcome=outcome,
            result=result,
            live=live,
        )

    def statefulset(self, name: str, namespace: str) -> WorkloadStatus | None:
        with self._translated(f"read StatefulSet {namespace}/{name}"):
            try:
                found = (
                    self._resources()
                    .resources.get(api_version="apps/v1", kind="StatefulSet")
                    .get(name=name, namespace=namespace)
                    .to_dict()
                )
            except DynamicApiError as exc:
                if exc.status == 404:
                    return None
                raise
        status = found.get("status") or {}
        return WorkloadStatus(
            name=name,
            namespace=namespace,
            replicas=int(found["spec"].get("replicas", 1)),
            ready=int(status.get("readyReplicas") or 0),
            updated=int(status.get("updatedReplicas") or 0),
            current_revision=str(status.get("currentRevision") or ""),
            update_revision=str(status.get("updateRevision") or ""),
            observed_generation=int(status.get("observedGeneration") or 0),
            generation=int(found["metadata"].get("generation") or 0),
        )

    def pods(self, namespace: str, selector: Mapping[str, str]) -> tuple[Mapping[str, Any], ...]:
        labels = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
        with self._translated(f"list pods in {namespace} ({labels})"):
            found = self._core.list_namespaced_pod(namespace, label_selector=labels)
        return tuple(self._api.sanitize_for_serialization(pod) for pod in found.items)

    def delete_pod(self, name: str, namespace: str) -> None:
        with self._translated(f"delete pod {namespace}/{name}"):
            try:
                self._core.delete_namespaced_pod(name, namespace)
            except ApiException as exc:
                if exc.status != 404:
                    raise

    def pod(self, name: str, namespace: str) -> Mapping[str, Any] | None:
        with self._translated(f"read pod {namespace}/{name}"):
            try:
                found = self._core.read_namespaced_pod(name, namespace)
            except ApiException as exc:
                if exc.status == 404:
                    return None
                raise
        result: Mapping[str, Any] = self._api.sanitize_for_serialization(found)
        return result

    def scale(self, name: str, namespace: str, replicas: int) -> None:
        with self._translated(f"scale StatefulSet {namespace}/{name} to {replicas}"):
            AppsV1Api(self._api).patch_namespaced_stateful_set_scale(
                name, namespace, {"spec": {"replicas": replicas}}, field_manager=self.field_manager
            )

    def set_image(self, name: str, namespace: str, image: str) -> None:
        with self._translated(f"set the image of StatefulSet {namespace}/{name}"):
            apps = AppsV1Api(self._api)
            found = apps.read_namespaced_stateful_set(name, namespace)
            container = found.spec.template.spec.containers[0].name
            patch = {"spec": {"template": {"spec": {"containers": [
                {"name": container, "image": image}
            ]}}}}  # fmt: skip
            apps.patch_namespaced_stateful_set(
                name, namespace, patch, field_manager=self.field_manager
            )

    def close(self) -> None:
        self._api.close()
