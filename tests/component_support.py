"""What the component tests share: their catalog, standard arguments, an offline run, the policy check."""

from __future__ import annotations

import inspect
import ipaddress
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pulumi_openstack as openstack
from souverain.components import Bastion, IsolatedNetwork
from souverain.policies import ALL_POLICIES

from souverain.catalog import Catalog, load_catalog
from souverain.engine import Evaluation, evaluate
from souverain.model import Plan, Resource
from souverain.offline import run_program
from souverain.policy import Settings

CATALOG_PATH = Path(__file__).parent / "fixtures" / "catalogs" / "components.yaml"
CATALOG: Catalog = load_catalog([CATALOG_PATH], replace=True)

REGION = "NUA-PAR-1"
CONFIG = {"openstack:region": REGION, "openstack:authUrl": "https://auth.nuage.test/v3"}
HEALTH = {"owner": "hdh-platform", "data_classification": "health", "project": "hdh"}
INTERNAL = {"owner": "hdh-platform", "data_classification": "internal", "project": "hdh"}
ADMIN_RANGES = ("192.0.2.0/28", "2001:db8:10::/48")
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@hdh"

LABEL_FIELDS = frozenset({"tags", "metadata"})


def network_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "labels": HEALTH,
        "region": REGION,
        "tiers": {
            "admin": {"cidr": "10.20.0.0/24"},
            "app": {"cidr": "10.20.1.0/24", "edge": True, "internet_egress_ports": [443]},
            "data": {"cidr": "10.20.2.0/24"},
        },
        "flows": [
            {"source": "app", "destination": "data", "protocol": "tcp", "port_min": 5432},
            {"source": "admin", "destination": "app", "protocol": "tcp", "port_min": 443},
        ],
        "dns_nameservers": ["10.20.0.53", "192.0.2.53"],
        "external_network": "ext-net",
    }
    args.update(overrides)
    return args


def bastion_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "labels": HEALTH,
        "region": REGION,
        "flavor_name": "b2-7",
        "image_name": "debian-12",
        "public_key": PUBLIC_KEY,
        "admin_ranges": list(ADMIN_RANGES),
        "external_network": "ext-net",
    }
    args.update(overrides)
    return args


def make_network(name: str = "hdh", **overrides: Any) -> IsolatedNetwork:
    return IsolatedNetwork(name, network_args(**overrides), catalog=CATALOG)


def make_bastion(network: IsolatedNetwork, name: str = "bastion", **overrides: Any) -> Bastion:
    return Bastion(name, bastion_args(**overrides), network=network, catalog=CATALOG)


class Run:
    """An offline run's plan, with lookups by type and name."""

    def __init__(self, program: Callable[[], None], config: dict[str, str] | None = None) -> None:
        result = run_program(program, project="components", stack="test", config=config or CONFIG)
        self.plan: Plan = result.plan
        self.outputs = result.component_outputs
        self.resources: list[Resource] = result.plan.resources

    def of_type(self, token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str, name: str) -> Resource:
        found = [r for r in self.resources if r.type == token and r.name == name]
        assert len(found) == 1, (token, name, [r.name for r in self.of_type(token)])
        return found[0]

    def cloud(self) -> list[Resource]:
        return [r for r in self.resources if r.is_cloud_resource]

    def registered(self) -> list[Resource]:
        """Everything the program registered (the stack and the default provider excluded)."""
        return [r for r in self.resources if r.type != "pulumi:pulumi:Stack" and r.name != "default"]

    def children_of(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if r.parent == urn]

    def by_id(self) -> dict[str, Resource]:
        """Resources by the deterministic id the mock gives (`<name>_id`)."""
        return {f"{r.name}_id": r for r in self.resources if r.custom}


def policy_check(
    resources: Iterable[Resource], admin_ranges: Iterable[str] = ADMIN_RANGES, production: bool = True
) -> Evaluation:
    settings = Settings(
        health_data=True,
        admin_ranges=tuple(ipaddress.ip_network(r) for r in admin_ranges),
        production=production,
    )
    return evaluate(list(resources), CATALOG, ALL_POLICIES, settings=settings)


def mandatory(resources: Iterable[Resource]) -> list[str]:
    """Mandatory findings as `policy: resource: message` lines, for readable assertion failures."""
    return [f"{f.policy}: {f.resource}: {f.message}" for f in policy_check(resources).mandatory]


def types_without_labels() -> set[str]:
    """Resource types whose OpenStack API has neither tags nor metadata: they cannot carry labels."""
    classes = {
        "openstack:networking/secGroupRule:SecGroupRule": openstack.networking.SecGroupRule,
        "openstack:networking/routerInterface:RouterInterface": openstack.networking.RouterInterface,
        "openstack:networking/subnetRoute:SubnetRoute": openstack.networking.SubnetRoute,
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate": (
            openstack.networking.FloatingIpAssociate
        ),
        "openstack:compute/volumeAttach:VolumeAttach": openstack.compute.VolumeAttach,
        "openstack:compute/keypair:Keypair": openstack.compute.Keypair,
        "openstack:keymanager/orderV1:OrderV1": openstack.keymanager.OrderV1,
        "openstack:keymanager/containerV1:ContainerV1": openstack.keymanager.ContainerV1,
    }
    for token, cls in classes.items():
        params = set(inspect.signature(cls._internal_init).parameters)
        assert not params & LABEL_FIELDS, f"{token} does take labels: label it"
    return set(classes)


def assert_labelled(resources: Iterable[Resource], labels: dict[str, str] = HEALTH) -> None:
    """Every cloud resource whose API takes tags or metadata carries owner, classification and project."""
    exempt = types_without_labels()
    for resource in resources:
        if not resource.is_cloud_resource:
            continue
        if resource.type in exempt:
            continue
        for key, value in labels.items():
            assert resource.tags.get(key) == value, (resource.address, resource.tags)
