"""Subject alternative names: valid host names, and the names a pod on Kubernetes answers to.

Clients verify a broker's host name against the certificate's SANs (Java with
``ssl.endpoint.identification.algorithm=https``, librdkafka and kafka-python by default). On
Kubernetes a broker is reached by its pod's stable name under the headless service, by the
services in front of it, and from outside by load-balancer names and addresses; a certificate
missing any of them fails only when that path is first used. This module builds the whole set
and refuses a malformed name before a certificate is signed with it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import attrs
from cryptography import x509

from confluent_ops.errors import InvalidDnsName

__all__ = ["IpAddress", "SubjectAlternativeNames", "validate_dns_name"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
_MAX_NAME_LENGTH = 253


def validate_dns_name(name: str) -> str:
    """Return ``name`` if it is a valid host name for a SAN, else raise :class:`InvalidDnsName`.

    Rules (RFC 1123 host names, as Kubernetes names are): ASCII letters, digits and hyphens;
    labels of 1 to 63 characters that neither start nor end with a hyphen; at most 253
    characters; no trailing dot. A wildcard may only be the whole leftmost label and must cover
    at least two further labels (``*.kafka.svc``), since clients match it against one label only.
    An IP address is refused here: it belongs among the IP SANs, where clients look for it.
    """
    if not name:
        raise InvalidDnsName(name, "empty")
    if not name.isascii():
        raise InvalidDnsName(name, "not ASCII; give internationalised names in punycode")
    if len(name) > _MAX_NAME_LENGTH:
        raise InvalidDnsName(name, f"longer than {_MAX_NAME_LENGTH} characters")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise InvalidDnsName(name, "an IP address; pass it as an IP address SAN")
    labels = name.split(".")
    for index, label in enumerate(labels):
        if label == "*":
            if index != 0:
                raise InvalidDnsName(name, "a wildcard may only be the leftmost label")
            if len(labels) < 3:
                raise InvalidDnsName(name, "a wildcard must cover at least two further labels")
            continue
        if not label:
            raise InvalidDnsName(name, "empty label (two dots, or a leading or trailing dot)")
        if "*" in label:
            raise InvalidDnsName(name, "a wildcard must be a whole label, as in *.example.com")
        if not _LABEL.fullmatch(label):
            raise InvalidDnsName(
                name,
                f"label {label!r} must be 1-63 letters, digits or hyphens, "
                "not starting or ending with a hyphen",
            )
    return name


def _dns_names(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(validate_dns_name(name), None)
    return tuple(seen)


def _ip_addresses(addresses: Iterable[str | IpAddress]) -> tuple[IpAddress, ...]:
    seen: dict[IpAddress, None] = {}
    for address in addresses:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise InvalidDnsName(str(address), "not an IPv4 or IPv6 address") from None
        seen.setdefault(parsed, None)
    return tuple(seen)


@attrs.frozen
class SubjectAlternativeNames:
    """The DNS names and IP addresses a certificate is valid for; validated, in order, unique."""

    dns_names: tuple[str, ...] = attrs.field(default=(), converter=_dns_names)
    ip_addresses: tuple[IpAddress, ...] = attrs.field(default=(), converter=_ip_addresses)

    @classmethod
    def for_pod(
        cls,
        *,
        statefulset: str,
        ordinal: int,
        namespace: str,
        headless_service: str | None = None,
        services: Iterable[str] = (),
        cluster_domain: str = "cluster.local",
        wildcard: bool = False,
        external_dns_names: Iterable[str] = (),
        external_ips: Iterable[str] = (),
    ) -> SubjectAlternativeNames:
        """Every name a StatefulSet pod is reached by, from inside and outside the cluster.

        The pod ``<statefulset>-<ordinal>`` is reached as
        ``<pod>.<headless>.<namespace>.svc.<cluster_domain>`` (and its shorter search-path
        forms); each service (the headless one first, defaulting to the StatefulSet's name) as
        ``<service>``, ``<service>.<namespace>``, ``.svc`` and the fully qualified form. With
        ``wildcard``, ``*.<headless>.<namespace>.svc.<cluster_domain>`` covers pods added later.
        External names and addresses are for load balancers and node ports.
        """
        if ordinal < 0:
            raise InvalidDnsName(f"{statefulset}-{ordinal}", "a pod ordinal is never negative")
        headless = headless_service or statefulset
        pod = f"{statefulset}-{ordinal}"
        names = [
            f"{pod}.{headless}.{namespace}.svc.{cluster_domain}",
            f"{pod}.{headless}.{namespace}.svc",
            f"{pod}.{headless}.{namespace}",
            f"{pod}.{headless}",
        ]
        if wildcard:
            names.append(f"*.{headless}.{namespace}.svc.{cluster_domain}")
            names.append(f"*.{headless}.{namespace}.svc")
        for service in (headless, *services):
            names += [
                f"{service}.{namespace}.svc.{cluster_domain}",
                f"{service}.{namespace}.svc",
                f"{service}.{namespace}",
                service,
            ]
        names += external_dns_names
        return cls(dns_names=tuple(names), ip_addresses=tuple(external_ips))

    def merged(self, other: SubjectAlternativeNames) -> SubjectAlternativeNames:
        """The union of two SAN sets, this one's names first."""
        return SubjectAlternativeNames(
            dns_names=self.dns_names + other.dns_names,
            ip_addresses=self.ip_addresses + other.ip_addresses,
        )

    def __bool__(self) -> bool:
        return bool(self.dns_names or self.ip_addresses)

    def to_extension(self) -> x509.SubjectAlternativeName:
        """The X.509 extension that carries these names."""
        general: list[x509.GeneralName] = [x509.DNSName(name) for name in self.dns_names]
        general += [x509.IPAddress(address) for address in self.ip_addresses]
        return x509.SubjectAlternativeName(general)
