"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager.

:class:`KubeControlPlane` starts the three programs (built from Go modules by
:func:`~confluent_ops.testing._kube_build.control_plane_binaries`) the way a cluster runs them,
minus what needs a machine of its own: etcd with plain HTTP on loopback, the apiserver serving
TLS with a certificate from our own CA (``confluent_ops.tls``), a token for an administrator and
a service-account key pair, and the controller manager without the node-IPAM and node-lifecycle
controllers (no pod network, and the test kubelet keeps no node leases). It writes a kubeconfig
that the official client, ``kubectl`` and our adapters read.

Server-side apply, dry runs, conflicts between field managers, label selectors, the StatefulSet
controller creating and deleting pods: all of it is the real API's own. No container runtime
exists here, so pods stay Pending until a kubelet binds them; :class:`~confluent_ops.testing.
TestKubelet` plays that part.

Stopped in reverse order, each by its PID: the controller manager, the apiserver (which hangs on
shutdown when etcd is gone first), then etcd.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives import serialization

from confluent_ops._files import PRIVATE, PUBLIC, write_files
from confluent_ops.errors import NotReady
from confluent_ops.testing._eventually import eventually
from confluent_ops.testing._kube_build import ControlPlaneBinaries, control_plane_binaries
from confluent_ops.testing._processes import (
    ManagedProcess,
    free_port,
    make_workdir,
    remove_workdir,
)
from confluent_ops.tls import CertificateAuthority, KeyType, certificates_to_pem

__all__ = ["KubeControlPlane"]

SERVICE_CIDR = "10.96.0.0/16"


class KubeControlPlane:
    """etcd, kube-apiserver and kube-controller-manager on 127.0.0.1, with a kubeconfig.

    Use it as a context manager; :attr:`kubeconfig` is the file to hand to a client.
    """

    def __init__(
        self,
        *,
        workdir: Path | None = None,
        binaries: ControlPlaneBinaries | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.workdir, self._temporary = make_workdir(workdir, prefix="confluent-ops-kube-")
        self.binaries = binaries or control_plane_binaries()
        self.startup_timeout = startup_timeout
        self.token = secrets.token_urlsafe(32)
        self.port = free_port()
        self.server = f"https://127.0.0.1:{self.port}"
        self.kubeconfig = self.workdir / "kubeconfig"
        self._etcd: ManagedProcess | None = None
        self._apiserver: ManagedProcess | None = None
        self._controller_manager: ManagedProcess | None = None
        self._ca_file = self.workdir / "pki" / "ca.crt"

    # -- lifecycle --

    def start(self) -> None:
        """Start etcd, the apiserver and the controller manager; return once the API serves."""
        try:
            self._write_pki()
            self._start_etcd()
            self._start_apiserver()
            self._start_controller_manager()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the controller manager, the apiserver, then etcd, each by its PID."""
        for process in (self._controller_manager, self._apiserver, self._etcd):
            if process is not None:
                process.stop(grace=20.0)
        self._controller_manager = self._apiserver = self._etcd = None
        if self._temporary:
            remove_workdir(self.workdir)

    def __enter__(self) -> KubeControlPlane:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def pids(self) -> tuple[int, ...]:
        """The PIDs of the running programs."""
        return tuple(
            p.pid
            for p in (self._etcd, self._apiserver, self._controller_manager)
            if p is not None and p.running
        )

    # -- the API, for readiness and for callers without a client --

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca_file))

    def get(self, path: str) -> tuple[int, bytes]:
        """``GET`` ``path`` as the administrator: (status, body)."""
        request = urllib.request.Request(  # noqa: S310 - https to our own apiserver
            self.server + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        context = self.ssl_context()
        try:
            with urllib.request.urlopen(request, context=context, timeout=5) as reply:  # noqa: S310
                return reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    # -- the parts --

    def _write_pki(self) -> None:
        authority = CertificateAuthority.self_signed(
            "confluent-ops-kube-ca", key_type=KeyType.EC_P256
        )
        serving = authority.issue_server(
            "kube-apiserver",
            dns_names=("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"),
            ip_addresses=("127.0.0.1", "10.96.0.1"),
        )
        account_key = KeyType.RSA_2048.generate()
        public = account_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        private = account_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pki = self.workdir / "pki"
        pki.mkdir(parents=True, exist_ok=True)
        ca_pem = certificates_to_pem((authority.root,))
        write_files(
            {
                pki / "ca.crt": (ca_pem, PUBLIC),
                pki / "apiserver.crt": (serving.to_pem(), PUBLIC),
                pki / "apiserver.key": (serving.private_key_pem().reveal(), PRIVATE),
                pki / "sa.pub": (public, PUBLIC),
                pki / "sa.key": (private, PRIVATE),
                pki / "tokens.csv": (f"{self.token},admin,admin,system:masters\n", PRIVATE),
                self.kubeconfig: (self._kubeconfig_text(ca_pem), PRIVATE),
            }
        )

    def _kubeconfig_text(self, ca_pem: str) -> str:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": self.server,
                        "certificate-authority-data": base64.b64encode(ca_pem.encode()).decode(),
                    },
                }
            ],
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": "admin"}}],
            "current-context": "local",
        }
        return json.dumps(config, indent=2) + "\n"  # JSON is YAML: every client reads it

    def _start_etcd(self) -> None:
        client, peer = free_port(), free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        command = [
            str(self.binaries.etcd),
            "--name", "default",
            "--data-dir", str(self.workdir / "etcd"),
            "--listen-client-urls", self.etcd_url,
            "--advertise-client-urls", self.etcd_url,
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"default=http://127.0.0.1:{peer}",
            "--quota-backend-bytes", str(1 << 30),
            "--log-level", "warn",
        ]  # fmt: skip
        self._etcd = ManagedProcess("etcd", command, log_path=self.workdir / "etcd.log")

    def _start_apiserver(self) -> None:
        pki = self.workdir / "pki"
        command = [
            str(self.binaries.apiserver),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--token-auth-file={pki / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=0",
        ]
        process = ManagedProcess(
            "kube-apiserver", command, log_path=self.workdir / "kube-apiserver.log"
        )
        self._apiserver = process

        def ready() -> bool:
            if not process.running:
                raise NotReady("kube-apiserver", "exited while starting", process.log_tail())
            return self.get("/readyz")[0] == 200

        try:
            eventually(ready, timeout=self.startup_timeout, what="kube-apiserver /readyz")
        except NotReady:
            raise
        except Exception as exc:
            raise NotReady("kube-apiserver", "not ready in time", process.log_tail()) from exc

    def _start_controller_manager(self) -> None:
        pki = self.workdir / "pki"
        command = [
            str(self.binaries.controller_manager),
            f"--kubeconfig={self.kubeconfig}",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            "--use-service-account-credentials=false",
            "--controllers=*,-nodeipam,-nodelifecycle",
            "--bind-address=127.0.0.1",
            "--secure-port=0",
            "--leader-elect=false",
            "--v=0",
        ]
        process = ManagedProcess(
            "kube-controller-manager",
            command,
            log_path=self.workdir / "kube-controller-manager.log",
        )
        self._controller_manager = process

        def serving() -> bool:
            if not process.running:
                raise NotReady(
                    "kube-controller-manager", "exited while starting", process.log_tail()
                )
            status, _ = self.get("/api/v1/namespaces/default/serviceaccounts/default")
            return status == 200

        try:
            eventually(
                serving,
                timeout=self.startup_timeout,
                what="the controller manager to create the default ServiceAccount",
            )
        except NotReady:
            raise
        except Exception as exc:
            raise NotReady(
                "kube-controller-manager", "not serving in time", process.log_tail()
            ) from exc
