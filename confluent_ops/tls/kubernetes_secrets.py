"""Kubernetes Secrets holding security material, in the layouts people mount.

- ``kubernetes.io/tls``: ``tls.crt`` (leaf then chain), ``tls.key`` and, commonly, ``ca.crt``
  (cert-manager's layout; what ingress controllers and most Helm charts read).
- Confluent's operator, JKS layout: ``keystore.jks``, ``truststore.jks`` and ``jksPassword.txt``
  holding ``jksPassword=<password>``.
- Confluent's operator, PEM layout: ``fullchain.pem``, ``privkey.pem``, ``cacerts.pem``.

A :class:`KubernetesSecret` never shows its data in a repr; :meth:`KubernetesSecret.to_manifest`
returns the plain dict to apply. It holds private keys and passwords: apply it as a Secret,
never copy its data into a ConfigMap, an annotation or a log.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping

import attrs
from cryptography import x509

from confluent_ops.errors import InvalidInput
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import IssuedCertificate, certificates_to_pem
from confluent_ops.tls.stores import StoreSet

__all__ = ["KubernetesSecret"]

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _check_name(_: object, __: object, name: str) -> None:
    if len(name) > 253 or not _SUBDOMAIN.fullmatch(name):
        raise InvalidInput(f"Secret name {name!r} is not a DNS subdomain (RFC 1123)")


def _check_namespace(_: object, __: object, namespace: str) -> None:
    if len(namespace) > 63 or not _LABEL.fullmatch(namespace):
        raise InvalidInput(f"namespace {namespace!r} is not a DNS label (RFC 1123)")


def _items(
    data: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
) -> tuple[tuple[str, bytes], ...]:
    pairs = tuple(data.items()) if isinstance(data, Mapping) else tuple(data)
    return tuple(sorted(pairs))


@attrs.frozen(repr=False)
class KubernetesSecret:
    """A Secret's identity and raw data (bytes, encoded to base64 only in the manifest)."""

    name: str = attrs.field(validator=_check_name)
    namespace: str = attrs.field(validator=_check_namespace)
    type: str
    data: tuple[tuple[str, bytes], ...] = attrs.field(converter=_items)
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def kubernetes_tls(
        cls,
        name: str,
        namespace: str,
        issued: IssuedCertificate,
        *,
        trust: CertificateAuthority | Iterable[x509.Certificate] | None = None,
    ) -> KubernetesSecret:
        """A ``kubernetes.io/tls`` Secret: ``tls.crt``, ``tls.key`` and ``ca.crt`` if trusted."""
        data = {
            "tls.crt": issued.to_pem().encode("ascii"),
            "tls.key": issued.private_key_pem().reveal().encode("ascii"),
        }
        if trust is not None:
            roots = (trust.root,) if isinstance(trust, CertificateAuthority) else tuple(trust)
            data["ca.crt"] = certificates_to_pem(roots).encode("ascii")
        return cls(name=name, namespace=namespace, type="kubernetes.io/tls", data=data)

    @classmethod
    def confluent_jks(cls, name: str, namespace: str, stores: StoreSet) -> KubernetesSecret:
        """Confluent's operator JKS layout: keystore, truststore and ``jksPassword.txt``."""
        password = f"jksPassword={stores.password.reveal()}\n".encode()
        data = {
            "keystore.jks": stores.keystore_jks,
            "truststore.jks": stores.truststore_jks,
            "jksPassword.txt": password,
        }
        return cls(name=name, namespace=namespace, type="Opaque", data=data)

    @classmethod
    def confluent_pem(cls, name: str, namespace: str, stores: StoreSet) -> KubernetesSecret:
        """Confluent's operator PEM layout: ``fullchain.pem``, ``privkey.pem``, ``cacerts.pem``."""
        data = {
            "fullchain.pem": stores.tls_crt.encode("ascii"),
            "privkey.pem": stores.tls_key.reveal().encode("ascii"),
            "cacerts.pem": stores.ca_crt.encode("ascii"),
        }
        return cls(name=name, namespace=namespace, type="Opaque", data=data)

    @property
    def keys(self) -> tuple[str, ...]:
        """The file names the Secret mounts as."""
        return tuple(key for key, _ in self.data)

    def to_manifest(self) -> dict[str, object]:
        """The Secret object to apply (``data`` base64-encoded). Never log or print it."""
        metadata: dict[str, object] = {"name": self.name, "namespace": self.namespace}
        if self.labels:
            metadata["labels"] = dict(self.labels)
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "type": self.type,
            "data": {key: base64.b64encode(value).decode("ascii") for key, value in self.data},
        }

    def __repr__(self) -> str:
        return (
            f"KubernetesSecret(name={self.name!r}, namespace={self.namespace!r}, "
            f"type={self.type!r}, keys={self.keys!r})"
        )
