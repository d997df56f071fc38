"""Issue a CA and certificates with every store for a 100-broker cluster (RSA 2048, EC P-256).

For each key type: make a CA, issue one server certificate per broker with the SANs of its pod
on Kubernetes, build all its stores (PKCS12 and JKS keystores and truststores, PEM) and write
them as bundles (atomic, 0600). The figures split the time into issuing (key generation and
signing), building stores, and writing files.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from confluent_ops.tls import (
    CertificateAuthority,
    KeyType,
    StoreSet,
    SubjectAlternativeNames,
    write_store_set,
)


def _one(key_type: KeyType, brokers: int) -> dict[str, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    authority = CertificateAuthority.self_signed("bench-ca", key_type=key_type, validity_days=365)
    issued = [
        authority.issue_server(
            f"kafka-{ordinal}",
            sans=SubjectAlternativeNames.for_pod(
                statefulset="kafka",
                ordinal=ordinal,
                namespace="confluent",
                services=("kafka-bootstrap",),
                external_dns_names=(f"b{ordinal}.kafka.example.com",),
            ),
        )
        for ordinal in range(brokers)
    ]
    issued_at, cpu_issued = time.perf_counter(), time.process_time()
    stores = [StoreSet.build(leaf, authority) for leaf in issued]
    stores_at, cpu_stores = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as folder:
        for built in stores:
            write_store_set(built, Path(folder) / built.name)
        written_at = time.perf_counter()
    return {
        "issue_ca_and_certificates_s": round(issued_at - started, 3),
        "build_all_stores_s": round(stores_at - issued_at, 3),
        "write_bundles_s": round(written_at - stores_at, 3),
        "total_issue_and_stores_s": round(stores_at - started, 3),
        "total_with_files_s": round(written_at - started, 3),
        "cpu_issue_ca_and_certificates_s": round(cpu_issued - cpu_started, 3),
        "cpu_build_all_stores_s": round(cpu_stores - cpu_issued, 3),
    }


def run(quick: bool) -> dict[str, object]:
    """Figures per key type; ``quick`` uses 10 brokers instead of 100."""
    brokers = 10 if quick else 100
    figures: dict[str, object] = {"brokers": brokers}
    for key_type in (KeyType.RSA_2048, KeyType.EC_P256):
        result = _one(key_type, brokers)
        figures[key_type.value] = result
        print(
            f"{key_type.value}: {brokers} brokers: CA + certificates "
            f"{result['issue_ca_and_certificates_s']} s, all stores in memory "
            f"{result['build_all_stores_s']} s (total {result['total_issue_and_stores_s']} s); "
            f"written as bundles (atomic, fsync) {result['write_bundles_s']} s; CPU time: "
            f"certificates {result['cpu_issue_ca_and_certificates_s']} s, "
            f"stores {result['cpu_build_all_stores_s']} s",
            flush=True,
        )
    return figures
