"""Render the complete example platform: how long it takes, and what it makes.

``examples/platform.yaml`` has every component (KRaft, Kafka with internal, replication and
external listeners, Schema Registry, Connect, ksqlDB, Control Center, REST Proxy, Replicator),
TLS, SCRAM, mTLS and rack awareness, so it renders the most objects a spec of that size can.
The figures separate the three costs a user meets: reading and checking the spec, reading the
material folder, and rendering; then writing the files. Objects are counted per kind from the
rendered objects themselves, and each is checked against the Kubernetes 1.34 API schema so
that the count is of valid objects only (validation time is reported apart; render does not
validate at run time). A platform of 100 brokers shows how render grows with the cluster.

Run with ``python -m benchmarks render [--quick]``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from confluent_ops.provision import (
    PlatformMaterial,
    PlatformSpec,
    load_spec,
    read_spec,
    render,
    write_manifests,
)
from confluent_ops.tls import CertificateAuthority, KeyType

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "platform.yaml"
KUBERNETES_VERSION = "1.34.4"


def _timed(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and best of ``repeats`` runs, in milliseconds."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2), round(min(samples), 2)


def _material(spec: PlatformSpec, folder: Path) -> None:
    authority = CertificateAuthority.self_signed("bench-ca", key_type=KeyType.RSA_2048)
    PlatformMaterial.issue(spec, authority).write(folder)
    source = folder / "replicator-source"
    source.mkdir(exist_ok=True)
    (source / "ca.crt").write_bytes((folder / "ca.crt").read_bytes())
    (source / "password").write_text("bench-source-password\n")


def run(quick: bool) -> dict[str, object]:
    import kubernetes_validate

    repeats = 5 if quick else 30
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-render-") as scratch:
        root = Path(scratch)
        spec = read_spec(EXAMPLE)
        _material(spec, root / "material")
        material = PlatformMaterial.read(spec, root / "material")
        text = EXAMPLE.read_text()

        load_ms = _timed(lambda: load_spec(text), repeats)
        material_ms = _timed(lambda: PlatformMaterial.read(spec, root / "material"), repeats)
        render_ms = _timed(lambda: render(spec, material), repeats)
        rendered = render(spec, material)
        out = root / "out"
        write_ms = _timed(lambda: write_manifests(rendered, out), repeats)

        started = time.perf_counter()
        for manifest in rendered:
            kubernetes_validate.validate(manifest.to_dict(), KUBERNETES_VERSION, strict=True)
        validate_ms = round((time.perf_counter() - started) * 1000, 1)
        counts = rendered.counts()
        size = sum(len(text) for text, _ in rendered.to_files().values())
        figures["example"] = {
            "objects": len(rendered),
            "per_kind": counts,
            "bytes": size,
            "load_spec_ms (median, best)": load_ms,
            "read_material_ms (median, best)": material_ms,
            "render_ms (median, best)": render_ms,
            "write_files_ms (median, best)": write_ms,
            "schema_validation_ms (all objects, once)": validate_ms,
        }
        print(f"example platform: {len(rendered)} objects, {size / 1024:.0f} KiB of YAML")
        print("  " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
        print(
            f"  load spec {load_ms[0]} ms, read material {material_ms[0]} ms, "
            f"render {render_ms[0]} ms, write {write_ms[0]} ms (medians of {repeats}); "
            f"every object valid for Kubernetes {KUBERNETES_VERSION} ({validate_ms} ms)"
        )

        brokers = 20 if quick else 100
        big = attrs.evolve(spec, kafka=attrs.evolve(spec.kafka, replicas=brokers))
        assert big.kafka.replicas == brokers
        _material(big, root / "big-material")
        big_material = PlatformMaterial.read(big, root / "big-material")
        big_ms = _timed(lambda: render(big, big_material), max(3, repeats // 5))
        big_rendered = render(big, big_material)
        figures[f"{brokers}_brokers"] = {
            "objects": len(big_rendered),
            "per_kind": big_rendered.counts(),
            "render_ms (median, best)": big_ms,
        }
        print(f"{brokers} brokers: {len(big_rendered)} objects, render {big_ms[0]} ms (median)")
    return figures
