"""``confluent-ops testbed kafka | zookeeper | kube``: real local servers until SIGINT or SIGTERM.

A thin shell over :mod:`confluent_ops.testing`: parse, start, write the ready file, wait for a
signal, stop everything. The ready file is JSON (``bootstrap``, ``zookeeper`` and, for secured
listeners, their bootstrap lists and the CA path) and is removed again when the testbed stops, so
that a script never reads the address of a testbed that is gone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from confluent_ops._files import check_output
from confluent_ops.cli._app import EX_OK, CommandParser, UsageError, integer, write_output
from confluent_ops.model.secret import Secret
from confluent_ops.testing import (
    SUPPORTED_KAFKA_VERSIONS,
    KubeControlPlane,
    LocalKafkaCluster,
    TestbedControl,
    TestbedTls,
    TestKubelet,
    ZooKeeperEnsemble,
)

__all__ = ["register"]


class _Stopped(BaseException):
    """SIGINT or SIGTERM arrived: unwind through the context managers, which stop everything."""


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    testbed = commands.add_parser(
        "testbed",
        help="run real Apache Kafka or ZooKeeper on 127.0.0.1 until interrupted",
        description="Run real local servers in the foreground; SIGINT or SIGTERM stops them all.",
    )
    kinds = testbed.add_subparsers(dest="kind", metavar="KIND", parser_class=CommandParser)
    kinds.required = True

    kafka = kinds.add_parser(
        "kafka",
        help="a Kafka cluster (KRaft, or ZooKeeper mode on 3.9)",
        description=(
            "Start a real Apache Kafka cluster on 127.0.0.1 and keep it running until SIGINT or "
            "SIGTERM. Once every broker serves, the ready file (JSON) holds: bootstrap, "
            "version, brokers, pids, control (the socket through which roll, upgrade and scale "
            "--testbed stop and start its brokers); zookeeper in ZooKeeper mode; ssl_bootstrap, "
            "sasl_ssl_bootstrap and ca with --tls / --sasl-plain; log_dirs (each broker's "
            "directories) with --log-dirs-per-broker above 1. The bootstrap address and "
            "how to stop are printed too."
        ),
    )
    kafka.add_argument(
        "--brokers", type=integer(1, 32), required=True, help="number of brokers (1..32)"
    )
    kafka.add_argument(
        "--version",
        default=None,
        help=f"Kafka version, e.g. {' or '.join(SUPPORTED_KAFKA_VERSIONS)} "
        "(default 4.1.1; 3.9.1 with --zookeeper)",
    )
    kafka.add_argument("--zookeeper", action="store_true", help="ZooKeeper mode (Kafka 3.9)")
    kafka.add_argument(
        "--racks", type=integer(1, 32), default=1, help="spread brokers over R racks (default 1)"
    )
    kafka.add_argument(
        "--controllers",
        type=int,
        choices=(1, 3),
        default=1,
        help="dedicated KRaft controllers: 1 or 3 (default 1)",
    )
    kafka.add_argument(
        "--combined", action="store_true", help="brokers double as controllers (no dedicated)"
    )
    kafka.add_argument(
        "--log-dirs-per-broker",
        type=integer(1, 16),
        default=1,
        metavar="N",
        help="log directories per broker (JBOD), each a folder of the broker's (default 1)",
    )
    kafka.add_argument(
        "--tls",
        metavar="DIR",
        help="add an SSL listener (client certificates required); the broker and client "
        "certificates are issued from the CA in DIR (ca.crt and ca.key, as `certs ca` writes "
        "them), or from a new CA written there; the client's files are named in the ready file",
    )
    kafka.add_argument(
        "--sasl-plain",
        metavar="USER:PASS",
        help="add a SASL_SSL listener (PLAIN and SCRAM) with this user",
    )
    kafka.add_argument("--workdir", help="keep data and logs here (default: a temporary folder)")
    kafka.add_argument("--ready-file", required=True, metavar="F", help="JSON written once serving")
    kafka.set_defaults(handler=_run_kafka)

    zookeeper = kinds.add_parser(
        "zookeeper",
        help="a ZooKeeper ensemble (1 or 3 servers)",
        description=(
            "Start real ZooKeeper servers on 127.0.0.1 until SIGINT or SIGTERM. The ready file "
            "(JSON) holds zookeeper (the connect string) and pids; zookeeper_tls and ca with "
            "--tls."
        ),
    )
    zookeeper.add_argument(
        "--servers", type=int, choices=(1, 3), required=True, help="servers: 1 or 3"
    )
    zookeeper.add_argument(
        "--tls", metavar="DIR", help="add a TLS client port (client certificates required)"
    )
    zookeeper.add_argument(
        "--workdir", help="keep data and logs here (default: a temporary folder)"
    )
    zookeeper.add_argument(
        "--ready-file", required=True, metavar="F", help="JSON written once serving"
    )
    zookeeper.set_defaults(handler=_run_zookeeper)

    kube = kinds.add_parser(
        "kube",
        help="a real Kubernetes API (apiserver, controller manager, etcd) and a test kubelet",
        description=(
            "Start a real kube-apiserver, kube-controller-manager and etcd on 127.0.0.1 (built "
            "from Go modules once, then cached) and a test kubelet with one node per zone, which "
            "runs real Kafka brokers and KRaft controllers for their pods and reports other "
            "pods Ready. The ready file (JSON) holds kubeconfig (its path), server, nodes, "
            "hosts_file (the names of pods and Services, for -Djdk.net.hosts.file) and pids."
        ),
    )
    kube.add_argument(
        "--zones",
        default="zone-a,zone-b,zone-c",
        metavar="A,B",
        help="the nodes, one per zone (default zone-a,zone-b,zone-c)",
    )
    kube.add_argument(
        "--version",
        default="3.9.1",
        choices=tuple(str(v) for v in SUPPORTED_KAFKA_VERSIONS),
        help="the Kafka whose jars run the brokers (default 3.9.1, as Confluent Platform 7.9)",
    )
    kube.add_argument("--workdir", help="keep data and logs here (default: a temporary folder)")
    kube.add_argument("--ready-file", required=True, metavar="F", help="JSON written once serving")
    kube.set_defaults(handler=_run_kube)


def _sasl_user(text: str | None) -> dict[str, Secret]:
    if text is None:
        return {}
    user, colon, password = text.partition(":")
    if not colon or not user or not password:
        raise UsageError("confluent-ops testbed kafka: --sasl-plain takes USER:PASS")
    return {user: Secret(password)}


def _tls(directory: str | None) -> TestbedTls | None:
    if directory is None:
        return None
    folder = Path(directory)
    has_ca = (folder / "ca.crt").exists() and (folder / "ca.key").exists()
    return TestbedTls.create(folder, ca_dir=folder if has_ca else None)


def _run_kafka(args: argparse.Namespace) -> int:
    check_output(args.ready_file, what="ready file")
    users = _sasl_user(args.sasl_plain)
    listeners = ["PLAINTEXT"]
    if args.tls:
        listeners.append("SSL")
    if users:
        listeners.append("SASL_SSL")
    with _until_signal():
        cluster = LocalKafkaCluster(
            args.brokers,
            version=args.version,
            racks=args.racks,
            controllers=args.controllers,
            combined=args.combined,
            zookeeper=args.zookeeper,
            listeners=listeners,
            sasl_users=users,
            tls=_tls(args.tls),
            log_dirs_per_broker=args.log_dirs_per_broker,
            workdir=args.workdir,
        )
        with cluster, TestbedControl(cluster) as control:
            ready: dict[str, Any] = {
                "control": str(control.path),
                "bootstrap": cluster.bootstrap_servers,
                "version": str(cluster.version),
                "brokers": list(cluster.broker_ids),
                "pids": list(cluster.pids()),
            }
            if cluster.ensemble is not None:
                ready["zookeeper"] = cluster.ensemble.hosts
            if cluster.log_dirs_per_broker > 1:
                ready["log_dirs"] = {
                    str(b): [str(path) for path in cluster.log_dirs_of(b)]
                    for b in cluster.broker_ids
                }
            for listener in listeners[1:]:
                ready[f"{listener.lower()}_bootstrap"] = cluster.bootstrap_for(listener)
            if cluster.tls is not None:
                ready["ca"] = str(cluster.tls.ca_crt)
                ready["client_certificate"] = str(cluster.tls.client_crt)
                ready["client_key"] = str(cluster.tls.client_key)
            _serve(Path(args.ready_file), ready)
    return EX_OK


def _run_zookeeper(args: argparse.Namespace) -> int:
    check_output(args.ready_file, what="ready file")
    with _until_signal():
        tls = _tls(args.tls)
        with ZooKeeperEnsemble(
            args.servers, tls=tls if tls is not None else False, workdir=args.workdir
        ) as ensemble:
            ready: dict[str, Any] = {"zookeeper": ensemble.hosts, "pids": list(ensemble.pids())}
            if ensemble.tls is not None:
                ready["zookeeper_tls"] = ensemble.secure_hosts
                ready["ca"] = str(ensemble.tls.ca_crt)
            _serve(Path(args.ready_file), ready)
    return EX_OK


def _run_kube(args: argparse.Namespace) -> int:
    check_output(args.ready_file, what="ready file")
    zones = tuple(zone.strip() for zone in args.zones.split(",") if zone.strip())
    if not zones or len(set(zones)) != len(zones):
        raise UsageError("confluent-ops testbed kube: --zones takes distinct names, A,B,...")
    with _until_signal(), contextlib.ExitStack() as stack:
        workdir = Path(args.workdir) if args.workdir else None
        plane = stack.enter_context(
            KubeControlPlane(workdir=workdir / "control-plane" if workdir else None)
        )
        kubelet = TestKubelet(
            plane.kubeconfig,
            workdir=(workdir or plane.workdir) / "kubelet",
            version=args.version,
            zones=zones,
        )
        kubelet.start()
        stack.callback(kubelet.close)
        ready: dict[str, Any] = {
            "kubeconfig": str(plane.kubeconfig),
            "server": plane.server,
            "nodes": list(zones),
            "hosts_file": str(kubelet.hosts_file),
            "pids": list(plane.pids()),
        }
        _serve(Path(args.ready_file), ready)
    return EX_OK


def _serve(ready_file: Path, ready: dict[str, Any]) -> None:
    """Announce the servers (ready file and terminal), wait for a signal; remove the file."""
    try:
        write_output(str(ready_file), json.dumps(ready, indent=2) + "\n")
        address = ready.get("bootstrap") or ready.get("zookeeper") or ready.get("server")
        print(
            f"serving on {address} (ready file {ready_file}); Ctrl-C or SIGTERM to "
            f"{os.getpid()} stops every process",
            flush=True,
        )
        threading.Event().wait()
    finally:
        ready_file.unlink(missing_ok=True)


@contextmanager
def _until_signal() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into an exception that unwinds (and so stops) everything."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
