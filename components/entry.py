"""PublicEntry: the one thing the internet reaches, an Octavia load balancer that terminates TLS.

A website needs an entry from anywhere; everything behind it stays private. The component builds what
`no-public-ingress` recognizes as a sanctioned public entry, by its structure, not its name (see
docs/policies.md): a load balancer tagged `public_entry=https` whose internet-facing listeners are
`TERMINATED_HTTPS` on 443 with a certificate from the key manager (`default_tls_container_ref`, a
Barbican container or secret), TLS 1.2 and 1.3 only, plus, if asked, plain HTTP on 80 that only redirects
to https (an L7 policy, no pool). Its VIP port's security group admits 443 (and 80 for the redirect) from
anywhere and nothing else; a floating IP on the VIP port is the public address. The pool's members are
addresses of a private tier, reached on their port from the entry tier only: members are given without
`subnet_id`, so Octavia reaches them from the VIP's side, through the network's internal router.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Literal

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, field_validator

from souverain.catalog import Catalog
from souverain.validation import ComponentRefusedError, Problem

from ._common import (
    PlacedArgs,
    ProviderArg,
    StrictModel,
    default_deny_group,
    floating_ip_on_port,
    refusals,
    security_rule,
)
from .network import IsolatedNetwork, TierName

PUBLIC_ENTRY_TAG = "public_entry=https"
"""The tag `no-public-ingress` looks for, with the structure, to sanction a public entry."""
HTTPS_PORT = 443
HTTP_PORT = 80
TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")
"""ANSSI's TLS recommendations (guide R1, 2020): TLS 1.2 and 1.3 only."""


class Backend(StrictModel):
    """A pool member: an address on the backend tier and the port it serves on."""

    address: ipaddress.IPv4Address
    port: int = Field(ge=1, le=65535)


class PublicEntryArgs(PlacedArgs):
    tier: TierName
    """The network's edge tier the VIP sits on (its floating IP needs the edge router)."""
    backend_tier: TierName
    """The tier of the members; never an edge tier, so the backends have no way in but the entry."""
    backends: tuple[Backend, ...] = Field(min_length=1)
    backend_protocol: Literal["HTTP", "HTTPS"] = "HTTP"
    """What the load balancer speaks to the members (HTTPS re-encrypts inside the network)."""
    external_network: str = Field(min_length=1)
    """The offer's external network, for the floating IP."""
    redirect_prefix: str | None = None
    """`https://www.example.fr`: also listen on 80, only to redirect there (301). None: 443 only."""

    @field_validator("redirect_prefix")
    @classmethod
    def _https_only(cls, prefix: str | None) -> str | None:
        if prefix is not None and not prefix.startswith("https://"):
            raise ValueError(f"{prefix!r} is not an https:// URL: the redirect must lead to the TLS listener")
        return prefix

    @field_validator("backends")
    @classmethod
    def _distinct(cls, backends: tuple[Backend, ...]) -> tuple[Backend, ...]:
        if len(set(backends)) != len(backends):
            raise ValueError("a backend is listed twice")
        return backends


def _check_certificate(ref: pulumi.Input[str]) -> str | None:
    """Why a certificate reference is refused, or None. Outputs (a container of the stack) pass."""
    if isinstance(ref, pulumi.Output):
        return None
    if not isinstance(ref, str) or not ref.startswith("https://"):
        return "certificate_ref must be the https:// reference of a key-manager container or secret"
    if "/containers/" not in ref and "/secrets/" not in ref:
        return f"{ref!r} is not a key-manager (Barbican) container or secret reference"
    return None


class PublicEntry(pulumi.ComponentResource):
    """A TLS-terminating load balancer on an edge tier, the only way in from the internet."""

    TYPE = "souverain:entry:PublicEntry"

    def __init__(
        self,
        name: str,
        args: PublicEntryArgs | Mapping[str, Any],
        *,
        network: IsolatedNetwork,
        certificate_ref: pulumi.Input[str],
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not isinstance(network, IsolatedNetwork):
            raise TypeError("network must be an IsolatedNetwork")
        with refusals(self.TYPE, name):
            valid, place = network.place(PublicEntryArgs, args, catalog, provider)
        problems = self._problems(valid, network, certificate_ref)
        if problems:
            raise ComponentRefusedError(self.TYPE, name, problems)
        super().__init__(self.TYPE, name, None, opts)
        self.placement = place
        tier, backend_tier = valid.tier, valid.backend_tier
        tags = place.labels.tags(tier)
        region = place.region

        self.security_group = default_deny_group(
            f"{name}-vip",
            place,
            self,
            tier=tier,
            description="public entry VIP: HTTPS (and the HTTP redirect) from anywhere, nothing else",
        )
        open_ports = [HTTPS_PORT] + ([HTTP_PORT] if valid.redirect_prefix else [])
        for port in open_ports:
            security_rule(
                f"{name}-vip-tcp-{port}-in",
                place,
                self,
                direction="ingress",
                group=self.security_group,
                protocol="tcp",
                ports=(port, port),
                remote_ip_prefix="0.0.0.0/0",
                description="the public entry, from anywhere",
            )
        for port in sorted({backend.port for backend in valid.backends}):
            security_rule(
                f"{name}-to-{backend_tier}-tcp-{port}",
                place,
                self,
                direction="ingress",
                group=network.security_groups[backend_tier],
                protocol="tcp",
                ports=(port, port),
                remote_ip_prefix=str(network.cidrs[tier]),
                description=f"from the public entry {name} (its amphorae are on the {tier} tier)",
            )

        self.load_balancer = openstack.loadbalancer.LoadBalancer(
            name,
            name=name,
            description="public entry: terminates TLS, the only address reachable from the internet",
            vip_subnet_id=network.subnets[tier].id,
            security_group_ids=[self.security_group.id],
            tags=[*tags, PUBLIC_ENTRY_TAG],
            region=region,
            opts=place.opts(self),
        )
        self.https_listener = openstack.loadbalancer.Listener(
            f"{name}-https",
            name=f"{name}-https",
            loadbalancer_id=self.load_balancer.id,
            protocol="TERMINATED_HTTPS",
            protocol_port=HTTPS_PORT,
            default_tls_container_ref=certificate_ref,
            tls_versions=list(TLS_VERSIONS),
            insert_headers={"X-Forwarded-For": "true", "X-Forwarded-Proto": "true"},
            tags=tags,
            region=region,
            opts=place.opts(self),
        )
        self.pool = openstack.loadbalancer.Pool(
            f"{name}-pool",
            name=f"{name}-pool",
            listener_id=self.https_listener.id,
            protocol=valid.backend_protocol,
            lb_method="ROUND_ROBIN",
            tags=place.labels.tags(backend_tier),
            region=region,
            opts=place.opts(self),
        )
        for index, backend in enumerate(valid.backends):
            openstack.loadbalancer.Member(
                f"{name}-member-{index}",
                pool_id=self.pool.id,
                address=str(backend.address),
                protocol_port=backend.port,
                tags=place.labels.tags(backend_tier),
                region=region,
                opts=place.opts(self),
            )
        if valid.redirect_prefix is not None:
            http = openstack.loadbalancer.Listener(
                f"{name}-http",
                name=f"{name}-http",
                loadbalancer_id=self.load_balancer.id,
                protocol="HTTP",
                protocol_port=HTTP_PORT,
                tags=tags,
                region=region,
                opts=place.opts(self),
            )
            openstack.loadbalancer.L7PolicyV2(
                f"{name}-to-https",
                name=f"{name}-to-https",
                listener_id=http.id,
                action="REDIRECT_PREFIX",
                redirect_prefix=valid.redirect_prefix,
                redirect_http_code=301,
                position=1,
                region=region,
                opts=place.opts(self),
            )
        self.floating_ip = floating_ip_on_port(
            name,
            place,
            self,
            pool=valid.external_network,
            port_id=self.load_balancer.vip_port_id,
            description=f"public entry {name}",
            tags=tags,
        )
        self.public_ip: pulumi.Output[str] = self.floating_ip.address
        self.register_outputs(
            {
                "public_ip": self.public_ip,
                "load_balancer_id": self.load_balancer.id,
                "backends": [f"{b.address}:{b.port}" for b in valid.backends],
            }
        )

    @staticmethod
    def _problems(
        valid: PublicEntryArgs, network: IsolatedNetwork, certificate_ref: pulumi.Input[str]
    ) -> list[Problem]:
        problems = []
        edges = ", ".join(network.edge_tiers) or "none"
        if valid.tier not in network.edge_tiers:
            problems.append(
                Problem(
                    ("tier",),
                    f"{valid.tier} is not an edge tier of network {network.name!r} (its edge tiers: "
                    f"{edges}); the entry's floating IP needs the edge router",
                )
            )
        if valid.backend_tier not in network.cidrs:
            problems.append(
                Problem(("backend_tier",), f"{valid.backend_tier} is not a tier of {network.name!r}")
            )
        elif valid.backend_tier in network.edge_tiers:
            problems.append(
                Problem(
                    ("backend_tier",),
                    f"{valid.backend_tier} is an edge tier: backends go on a tier the internet cannot reach",
                )
            )
        else:
            cidr = network.cidrs[valid.backend_tier]
            for index, backend in enumerate(valid.backends):
                if backend.address not in cidr:
                    problems.append(
                        Problem(
                            ("backends", index, "address"),
                            f"{backend.address} is not on the {valid.backend_tier} tier ({cidr})",
                        )
                    )
        reason = _check_certificate(certificate_ref)
        if reason is not None:
            problems.append(Problem(("certificate_ref",), reason))
        return problems
