"""IsolatedNetwork: named tiers (admin, app, data, or any others), each its own network, default-deny.

Tiers are named by the user, as many as the design needs (`web`, `api`, `db`, `admin`...); flows name
them. Routing, and why two routers: tiers must reach each other (app -> data on 5432) but a tier that is
not on the edge must have no route to the internet. The *edge* router has the external gateway and an
interface only on edge tiers (`edge: true`; a tier named `admin` is an edge tier unless it says
otherwise, as before). The *internal* router has no gateway and an interface on every tier: it is the
other tiers' default gateway, so a packet from them to the internet has nowhere to go. Edge tiers keep
the edge router as their gateway and reach the other tiers through subnet host routes to the internal
router's port. Security groups then allow only the configured flows. A tier named `data` can never be on
the edge.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
import pulumi_openstack as openstack
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from souverain.catalog import Catalog
from souverain.validation import cidr as _cidr

from ._common import (
    ArgsT,
    PlacedArgs,
    Placement,
    ProviderArg,
    StrictModel,
    context_catalog,
    default_deny_group,
    place_component,
    refusals,
    security_rule,
)

TIER_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


def _tier_name(name: str) -> str:
    if not TIER_PATTERN.match(name):
        raise ValueError(
            f"tier name {name!r}: use 1 to 20 lowercase letters, digits or dashes, starting with a letter"
        )
    return name


TierName = Annotated[str, AfterValidator(_tier_name)]
"""A tier's name, chosen by the user: lowercase letters, digits and dashes, 1 to 20, starting with a letter.
It goes into resource names (`<network>-<tier>-net`) and the `tier` label."""
TIER_NAMES: tuple[str, ...] = ("admin", "app", "data")
"""The tiers of the original three-tier design (what `stacks/health-data-hub` uses); any others work too."""
NEVER_EDGE = "data"
"""A tier of this name can never be on the edge router (kept from the three-tier design)."""
RFC1918 = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SSH_PORT = 22
DNS_PORT = 53


def _strict_cidr(value: Any) -> Any:
    """A typo in a CIDR must be an error that says what is wrong (host bits set: which network was meant)."""
    network = _cidr(value)
    if isinstance(network, ipaddress.IPv6Network):
        raise ValueError(f"{network} is an IPv6 network: tiers are IPv4 subnets")
    return network


def _private_subnet(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    if not 16 <= cidr.prefixlen <= 28:
        raise ValueError(f"{cidr} must be between /16 and /28")
    if not any(cidr.subnet_of(block) for block in RFC1918):
        raise ValueError(f"{cidr} is not a private (RFC 1918) range")
    return cidr


PrivateSubnet = Annotated[
    ipaddress.IPv4Network, BeforeValidator(_strict_cidr), AfterValidator(_private_subnet)
]
"""A subnet for a tier or a research space: RFC 1918, /16 to /28, host bits clear."""


class Tier(StrictModel):
    cidr: PrivateSubnet
    edge: bool | None = None
    """Attached to the edge router (floating IPs, internet egress). Default: a tier named admin yes,
    any other no."""
    internet_egress_ports: tuple[int, ...] = ()
    """TCP ports the tier may reach on the internet (443 for updates); needs `edge`. None by default."""

    @field_validator("internet_egress_ports")
    @classmethod
    def _ports(cls, ports: tuple[int, ...]) -> tuple[int, ...]:
        for port in ports:
            if not 1 <= port <= 65535:
                raise ValueError(f"port {port} is not between 1 and 65535")
        if len(set(ports)) != len(ports):
            raise ValueError("a port is listed twice")
        return ports


class Flow(StrictModel):
    """Traffic allowed from one tier to another: an ingress rule on the destination, egress on the source."""

    source: TierName
    destination: TierName
    protocol: Literal["tcp", "udp", "icmp"]
    port_min: int | None = Field(default=None, ge=1, le=65535)
    port_max: int | None = Field(default=None, ge=1, le=65535)

    def ports(self) -> tuple[int | None, int | None]:
        if self.protocol == "icmp":
            return None, None
        return self.port_min, self.port_max if self.port_max is not None else self.port_min

    def label(self) -> str:
        low, high = self.ports()
        span = "" if low is None else f"-{low}" if low == high else f"-{low}-{high}"
        return f"{self.source}-to-{self.destination}-{self.protocol}{span}"


class IsolatedNetworkArgs(PlacedArgs):
    tiers: dict[TierName, Tier] = Field(min_length=1)
    flows: tuple[Flow, ...] = ()
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(min_length=1, max_length=5)
    """Resolvers for every subnet. Required: no public resolver is ever chosen for you."""
    external_network: str | None = Field(default=None, min_length=1, validate_default=True)
    """Name of the offer's external network, for the edge router's gateway (needed if a tier is edge)."""

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, tiers: dict[TierName, Tier]) -> dict[TierName, Tier]:
        names = list(tiers)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                if tiers[first].cidr.overlaps(tiers[second].cidr):
                    raise ValueError(f"subnets of tiers {first} ({tiers[first].cidr}) and {second} overlap")
        for name, tier in tiers.items():
            edge = tier_is_edge(name, tier)
            if name == NEVER_EDGE and edge:
                raise ValueError(
                    "the data tier cannot be on the edge router: it must have no route to the internet"
                )
            if tier.internet_egress_ports and not edge:
                raise ValueError(f"tier {name} has internet_egress_ports but is not on the edge router")
        return tiers

    @field_validator("flows")
    @classmethod
    def _flows(cls, flows: tuple[Flow, ...], info: ValidationInfo) -> tuple[Flow, ...]:
        if "tiers" not in info.data:
            return flows  # the tiers failed validation; their error says why
        tiers = info.data["tiers"]
        seen: set[str] = set()
        for index, flow in enumerate(flows):
            for end in (flow.source, flow.destination):
                if end not in tiers:
                    raise ValueError(f"flows[{index}]: tier {end} is not one of the network's tiers")
            low, high = flow.ports()
            if flow.protocol != "icmp" and low is None:
                raise ValueError(f"flows[{index}]: a {flow.protocol} flow needs port_min")
            if flow.protocol == "icmp" and (flow.port_min is not None or flow.port_max is not None):
                raise ValueError(f"flows[{index}]: an icmp flow has no ports")
            if low is not None and high is not None and low > high:
                raise ValueError(f"flows[{index}]: port_min is above port_max")
            if flow.protocol == "tcp" and low is not None and high is not None and low <= SSH_PORT <= high:
                raise ValueError(
                    f"flows[{index}]: SSH between tiers comes only from the bastion's security group"
                )
            if flow.label() in seen:
                raise ValueError(f"flows[{index}]: the same flow is listed twice")
            seen.add(flow.label())
        return flows

    @field_validator("dns_nameservers")
    @classmethod
    def _resolvers(
        cls, resolvers: tuple[ipaddress.IPv4Address, ...], info: ValidationInfo
    ) -> tuple[ipaddress.IPv4Address, ...]:
        if len(set(resolvers)) != len(resolvers):
            raise ValueError("a resolver is listed twice")
        catalog = context_catalog(info)
        for resolver in resolvers:
            if resolver.is_unspecified or resolver.is_multicast or resolver.is_loopback:
                raise ValueError(f"{resolver} is not a resolver address")
            offer = catalog.us_controlled_host(str(resolver)) if catalog is not None else None
            if offer is not None:
                raise ValueError(
                    f"{resolver} is a resolver of {offer.name}, operated by {offer.operator.entity} "
                    f"({offer.operator.country}): DNS queries would leave EU jurisdiction"
                )
        return resolvers

    @field_validator("external_network")
    @classmethod
    def _external_network(cls, value: str | None, info: ValidationInfo) -> str | None:
        tiers = info.data.get("tiers", {})
        if value is None and any(tier_is_edge(name, tier) for name, tier in tiers.items()):
            raise ValueError("an edge tier needs the name of the offer's external network")
        return value

    def edge_tiers(self) -> list[str]:
        return [name for name, tier in self.tiers.items() if tier_is_edge(name, tier)]


def tier_is_edge(name: str, tier: Tier) -> bool:
    return tier.edge if tier.edge is not None else name == "admin"


def internal_router_address(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The internal router's address on an edge tier: the last host, kept out of the DHCP pool."""
    return cidr[-2]


def allocation_pool(cidr: ipaddress.IPv4Network) -> openstack.networking.SubnetAllocationPoolArgs:
    """DHCP pool: .2 up to the third-last address; .1 is the gateway, the last host the internal router."""
    return openstack.networking.SubnetAllocationPoolArgs(start=str(cidr[2]), end=str(cidr[-3]))


def network_and_subnet(
    prefix: str,
    place: Placement,
    parent: pulumi.Resource,
    *,
    tier: str,
    description: str,
    cidr: ipaddress.IPv4Network,
    dns_nameservers: list[str],
) -> tuple[openstack.networking.Network, openstack.networking.Subnet]:
    """A port-secured network `<prefix>-net` and its one subnet `<prefix>-subnet` on `cidr` (.1 gateway)."""
    network = openstack.networking.Network(
        f"{prefix}-net",
        name=f"{prefix}-net",
        description=description,
        admin_state_up=True,
        port_security_enabled=True,
        tags=place.labels.tags(tier),
        region=place.region,
        opts=place.opts(parent),
    )
    subnet = openstack.networking.Subnet(
        f"{prefix}-subnet",
        name=f"{prefix}-subnet",
        network_id=network.id,
        cidr=str(cidr),
        ip_version=4,
        gateway_ip=str(cidr[1]),
        allocation_pools=[allocation_pool(cidr)],
        enable_dhcp=True,
        dns_nameservers=dns_nameservers,
        tags=place.labels.tags(tier),
        region=place.region,
        opts=place.opts(parent),
    )
    return network, subnet


class IsolatedNetwork(pulumi.ComponentResource):
    """Tiered networks with default-deny security groups and no internet route from the data tier."""

    TYPE = "souverain:network:IsolatedNetwork"

    def __init__(
        self,
        name: str,
        args: IsolatedNetworkArgs | Mapping[str, Any],
        *,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with refusals(self.TYPE, name):
            valid, self.placement = place_component(IsolatedNetworkArgs, args, catalog, provider)
        self.args = valid
        self._attached: list[ipaddress.IPv4Network] = []
        super().__init__(self.TYPE, name, None, opts)
        place = self.placement
        tags = place.labels.tags()
        region = place.region
        resolvers = [str(ip) for ip in valid.dns_nameservers]
        self.name = name
        self.cidrs: dict[str, ipaddress.IPv4Network] = {t: spec.cidr for t, spec in valid.tiers.items()}
        self.edge_tiers: list[str] = valid.edge_tiers()
        self.networks: dict[str, openstack.networking.Network] = {}
        self.subnets: dict[str, openstack.networking.Subnet] = {}
        self.security_groups: dict[str, openstack.networking.SecGroup] = {}
        self.dns_nameservers = tuple(valid.dns_nameservers)

        for tier in valid.tiers:
            cidr = self.cidrs[tier]
            resource = f"{name}-{tier}"
            self.networks[tier], self.subnets[tier] = network_and_subnet(
                resource,
                place,
                self,
                tier=tier,
                description=f"{tier} tier",
                cidr=cidr,
                dns_nameservers=resolvers,
            )
            self.security_groups[tier] = default_deny_group(
                resource,
                place,
                self,
                tier=tier,
                description=f"{tier} tier: default deny, explicit flows only",
            )

        self.internal_router = openstack.networking.Router(
            f"{name}-internal",
            name=f"{name}-internal",
            description="routes between tiers; no external gateway",
            admin_state_up=True,
            tags=tags,
            region=region,
            opts=place.opts(self),
        )
        self.edge_router: openstack.networking.Router | None = None
        if self.edge_tiers:
            external = openstack.networking.get_network_output(
                name=valid.external_network,
                external=True,
                region=region,
                opts=pulumi.InvokeOutputOptions(parent=self, provider=place.provider),
            )
            self.edge_router = openstack.networking.Router(
                f"{name}-edge",
                name=f"{name}-edge",
                description="external gateway for edge tiers only",
                admin_state_up=True,
                external_network_id=external.id,
                tags=tags,
                region=region,
                opts=place.opts(self),
            )
        self._connect_tiers(name, region)
        self._rules(name, valid)

        self.register_outputs(
            {
                "networks": {tier: net.id for tier, net in self.networks.items()},
                "subnets": {tier: subnet.id for tier, subnet in self.subnets.items()},
                "security_groups": {tier: sg.id for tier, sg in self.security_groups.items()},
                "cidrs": {tier: str(cidr) for tier, cidr in self.cidrs.items()},
                "internal_router": self.internal_router.id,
                "edge_router": self.edge_router.id if self.edge_router is not None else None,
            }
        )

    def _connect_tiers(self, name: str, region: str) -> None:
        place = self.placement
        for tier, subnet in self.subnets.items():
            if tier not in self.edge_tiers:
                openstack.networking.RouterInterface(
                    f"{name}-{tier}-internal-if",
                    router_id=self.internal_router.id,
                    subnet_id=subnet.id,
                    region=region,
                    opts=place.opts(self),
                )
                continue
            assert self.edge_router is not None
            openstack.networking.RouterInterface(
                f"{name}-{tier}-edge-if",
                router_id=self.edge_router.id,
                subnet_id=subnet.id,
                region=region,
                opts=place.opts(self),
            )
            port = openstack.networking.Port(
                f"{name}-{tier}-internal-port",
                name=f"{name}-{tier}-internal-port",
                description="internal router interface",
                network_id=self.networks[tier].id,
                fixed_ips=[
                    {"subnet_id": subnet.id, "ip_address": str(internal_router_address(self.cidrs[tier]))}
                ],
                admin_state_up=True,
                tags=place.labels.tags(tier),
                region=region,
                opts=place.opts(self),
            )
            openstack.networking.RouterInterface(
                f"{name}-{tier}-internal-if",
                router_id=self.internal_router.id,
                port_id=port.id,
                region=region,
                opts=place.opts(self),
            )
            for other in self.subnets:
                if other not in self.edge_tiers:
                    self.route_to_internal(f"{name}-{tier}-to-{other}", tier, self.cidrs[other], self)

    def route_to_internal(
        self, resource_name: str, edge_tier: str, cidr: ipaddress.IPv4Network, parent: pulumi.Resource
    ) -> openstack.networking.SubnetRoute:
        """A host route on an edge tier's subnet sending `cidr` to the internal router."""
        return openstack.networking.SubnetRoute(
            resource_name,
            subnet_id=self.subnets[edge_tier].id,
            destination_cidr=str(cidr),
            next_hop=str(internal_router_address(self.cidrs[edge_tier])),
            region=self.placement.region,
            opts=self.placement.opts(parent),
        )

    def _rules(self, name: str, valid: IsolatedNetworkArgs) -> None:
        place = self.placement
        groups = self.security_groups
        for flow in valid.flows:
            for direction, suffix, owner, remote, description in (
                ("ingress", "in", flow.destination, flow.source, f"from {flow.source} tier"),
                ("egress", "out", flow.source, flow.destination, f"to {flow.destination} tier"),
            ):
                security_rule(
                    f"{name}-{flow.label()}-{suffix}",
                    place,
                    self,
                    direction=direction,
                    group=groups[owner],
                    remote_group=groups[remote],
                    protocol=flow.protocol,
                    ports=flow.ports(),
                    description=description,
                )
        for tier, group in groups.items():
            self.allow_dns(f"{name}-{tier}", group, self)
            for port in valid.tiers[tier].internet_egress_ports:
                security_rule(
                    f"{name}-{tier}-internet-tcp-{port}",
                    place,
                    self,
                    direction="egress",
                    group=group,
                    remote_ip_prefix="0.0.0.0/0",
                    protocol="tcp",
                    ports=(port, port),
                    description="egress to the internet",
                )

    def allow_dns(self, prefix: str, group: openstack.networking.SecGroup, parent: pulumi.Resource) -> None:
        """Egress to the configured resolvers only, UDP and TCP 53."""
        for index, resolver in enumerate(self.dns_nameservers):
            for protocol in ("udp", "tcp"):
                security_rule(
                    f"{prefix}-dns-{index}-{protocol}",
                    self.placement,
                    parent,
                    direction="egress",
                    group=group,
                    remote_ip_prefix=f"{resolver}/32",
                    protocol=protocol,
                    ports=(DNS_PORT, DNS_PORT),
                    description="DNS to the configured resolver",
                )

    def place(
        self,
        model: type[ArgsT],
        args: ArgsT | Mapping[str, Any],
        catalog: Catalog | None,
        provider: ProviderArg,
        **context: Any,
    ) -> tuple[ArgsT, Placement]:
        """`place_component` for a component attached to this network: it takes the network's provider
        unless given one, and its region must be the network's."""
        return place_component(
            model,
            args,
            catalog,
            provider,
            inherited_provider=self.placement.provider,
            network_region=self.placement.region,
            **context,
        )

    def reserved_cidrs(self) -> list[ipaddress.IPv4Network]:
        """Every range in use on this network: the tiers and the research spaces attached so far."""
        return [*self.cidrs.values(), *self._attached]

    def claim(self, cidr: ipaddress.IPv4Network) -> None:
        """Record a range a research space attached, so the next one cannot overlap it."""
        self._attached.append(cidr)
