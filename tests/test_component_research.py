"""ResearchProjectSpace: N isolated workspaces on one network, each with compute, storage and a key."""

from __future__ import annotations

from typing import Any

import pytest
from component_support import (
    CATALOG,
    HEALTH,
    INTERNAL,
    PUBLIC_KEY,
    REGION,
    Run,
    assert_labelled,
    make_bastion,
    make_network,
    mandatory,
)
from pydantic import ValidationError
from souverain.components import IsolatedNetwork, ResearchProjectSpace, ResearchProjectSpaceArgs
from souverain.components._common import ComponentRefusedError

SPACE = "souverain:research:ResearchProjectSpace"
PROJECTS = ("cardio-2026", "onco-lille", "rare-diseases")


def space_args(project: str, cidr: str, **overrides: Any) -> dict[str, Any]:
    return {
        "labels": {**HEALTH, "project": project},
        "region": REGION,
        "cidr": cidr,
        "flavor_name": "b2-30",
        "image_name": "debian-12",
        "public_key": PUBLIC_KEY,
        "volume_size": 200,
        "readers": ["u-123", "u-456"],
        **overrides,
    }


@pytest.fixture(scope="module")
def run() -> Run:
    def program() -> None:
        network = make_network()
        bastion = make_bastion(network)
        for index, project in enumerate(PROJECTS):
            ResearchProjectSpace(
                f"research-{project}",
                space_args(project, f"10.21.{index}.0/24"),
                network=network,
                bastion=bastion,
                catalog=CATALOG,
            )

    return Run(program)


def descendants(run: Run, urn: str) -> list[Any]:
    found = []
    for child in run.children_of(urn):
        found.append(child)
        found.extend(descendants(run, child.address))
    return found


def test_each_space_has_its_own_everything(run: Run) -> None:
    spaces = run.of_type(SPACE)
    assert [s.name for s in spaces] == [f"research-{p}" for p in PROJECTS]
    for space, project in zip(spaces, PROJECTS, strict=True):
        inside = descendants(run, space.address)
        types = sorted(r.type for r in inside if r.custom)
        assert types.count("openstack:networking/network:Network") == 1
        assert types.count("openstack:networking/subnet:Subnet") == 1
        assert types.count("openstack:networking/secGroup:SecGroup") == 1
        assert types.count("openstack:compute/instance:Instance") == 1
        assert types.count("openstack:blockstorage/volume:Volume") == 1
        assert types.count("openstack:objectstorage/container:Container") == 1
        assert types.count("openstack:keymanager/orderV1:OrderV1") == 1
        for resource in inside:
            assert resource.name.startswith(f"research-{project}"), resource.address
            if resource.is_cloud_resource and resource.tags:
                assert resource.tags["project"] == project
    addresses = [r.address for r in run.resources]
    assert len(addresses) == len(set(addresses))  # N spaces, no clash


def test_space_network_has_no_internet_route(run: Run) -> None:
    name = "research-cardio-2026"
    subnet = run.one("openstack:networking/subnet:Subnet", f"{name}-subnet")
    assert subnet.properties["cidr"] == "10.21.0.0/24"
    assert subnet.properties["dns_nameservers"] == ["10.20.0.53", "192.0.2.53"]
    interface = run.one("openstack:networking/routerInterface:RouterInterface", f"{name}-internal-if")
    assert interface.properties == {
        "router_id": "hdh-internal_id",
        "subnet_id": f"{name}-subnet_id",
        "region": REGION,
    }
    routes = [
        r for r in run.of_type("openstack:networking/subnetRoute:SubnetRoute") if r.name.startswith(name)
    ]
    assert sorted((r.properties["subnet_id"], r.properties["destination_cidr"]) for r in routes) == [
        ("hdh-admin-subnet_id", "10.21.0.0/24"),
        ("hdh-app-subnet_id", "10.21.0.0/24"),
    ]


def test_ssh_only_from_the_bastion(run: Run) -> None:
    name = "research-onco-lille"
    rules = [
        r.properties
        for r in run.of_type("openstack:networking/secGroupRule:SecGroupRule")
        if r.properties["security_group_id"] == f"{name}-sg_id"
    ]
    ingress = [r for r in rules if r["direction"] == "ingress"]
    assert ingress == [
        {
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_group_id": "bastion-sg_id",
            "security_group_id": f"{name}-sg_id",
            "description": "SSH through the bastion only",
            "region": REGION,
        }
    ]
    assert {r["remote_ip_prefix"] for r in rules if r["direction"] == "egress"} == {
        "10.20.0.53/32",
        "192.0.2.53/32",
    }
    port = run.one("openstack:networking/port:Port", f"{name}-port")
    assert port.properties["security_group_ids"] == [f"{name}-sg_id"]
    assert port.properties["port_security_enabled"] is True


def test_compute_storage_and_key(run: Run) -> None:
    name = "research-rare-diseases"
    instance = run.one("openstack:compute/instance:Instance", name)
    assert "admin_pass" not in instance.properties
    assert "AllowTcpForwarding no" in instance.properties["user_data"]
    volume = run.one("openstack:blockstorage/volume:Volume", f"{name}-data")
    assert volume.properties["volume_type"] == "luks-ssd"
    assert volume.protect
    assert volume.retain_on_delete
    attach = run.one("openstack:compute/volumeAttach:VolumeAttach", f"{name}-data-attach")
    assert attach.properties["instance_id"] == f"{name}_id"
    container = run.one("openstack:objectstorage/container:Container", f"{name}-objects")
    assert container.properties["name"] == name
    assert container.properties["versioning"] is True
    key = run.one("openstack:keymanager/containerV1:ContainerV1", f"{name}-keys-data")
    assert key.properties["acl"]["read"] == {"project_access": False, "users": ["u-123", "u-456"]}
    [space] = [s for s in run.of_type(SPACE) if s.name == name]
    outputs = run.outputs[space.address]
    assert outputs["container"] == name
    assert outputs["key_manager"] == "barbican"


def test_labels_and_every_mandatory_policy(run: Run) -> None:
    for project in PROJECTS:
        space = [r for r in run.cloud() if r.name.startswith(f"research-{project}")]
        assert_labelled(space, {**HEALTH, "project": project})
    assert mandatory(run.resources) == []


def refused(build_args: dict[str, Any], *, spaces_before: int = 0) -> tuple[ComponentRefusedError, Run]:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        network = make_network(tiers={"admin": {"cidr": "10.20.0.0/24"}}, flows=[])  # small: fast
        for index in range(spaces_before):
            ResearchProjectSpace(
                f"before-{index}",
                space_args(f"before-{index}", f"10.21.{index}.0/24"),
                network=network,
                catalog=CATALOG,
            )
        with pytest.raises(ComponentRefusedError) as info:
            ResearchProjectSpace("research-new", build_args, network=network, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert seen
    return seen[0], run


@pytest.mark.parametrize(
    ("args", "before", "loc", "message"),
    [
        (space_args("p", "10.20.0.0/25"), 0, ("cidr",), "overlaps 10.20.0.0/24"),
        (space_args("p", "10.21.0.0/24"), 1, ("cidr",), "overlaps 10.21.0.0/24"),
        (space_args("p", "10.21.9.1/24"), 0, ("cidr",), "host bits set"),
        (space_args("p", "10.21.9.0/24", volume_type="plain"), 0, ("volume_type",), "not encrypted"),
        (space_args("p", "10.21.9.0/24", public_key=None), 0, ("public_key",), "SSH key is required"),
        (space_args("p", "10.21.9.0/24", volume_size=0), 0, ("volume_size",), "greater than or equal to 1"),
        (space_args("P!", "10.21.9.0/24"), 0, ("labels", "project"), "pattern"),
    ],
)
def test_refused_before_the_space_registers_anything(
    args: dict[str, Any], before: int, loc: tuple[Any, ...], message: str
) -> None:
    error, run = refused(args, spaces_before=before)
    assert loc in [tuple(e["loc"]) for e in error.errors()], error
    assert message in str(error)
    assert not [r for r in run.resources if "research-new" in r.address]


@pytest.mark.parametrize(
    ("labels", "message"),
    [(INTERNAL, "does not encrypt object storage"), (HEALTH, "does not encrypt object storage")],
)
def test_offer_must_hold_research_data(labels: dict[str, str], message: str) -> None:
    args = {**space_args("p", "10.21.9.0/24"), "labels": {**labels, "project": "p"}, "region": "BARE-1"}
    with pytest.raises(ValidationError) as info:
        ResearchProjectSpaceArgs.model_validate(args, context={"catalog": CATALOG})
    assert [e["loc"] for e in info.value.errors()] == [("region",)]
    assert message in str(info.value)


def test_region_of_the_network_is_the_region_of_the_space() -> None:
    error, _ = refused(space_args("p", "10.21.9.0/24", region="NUA-PAR-2"))
    assert "differs from the region of the network" in str(error)


def test_a_space_without_health_data_on_a_provider_kms_offer() -> None:
    def program() -> None:
        network = IsolatedNetwork(
            "kms-net",
            {
                "labels": INTERNAL,
                "region": "KMS-1",
                "tiers": {"admin": {"cidr": "10.40.0.0/24"}},
                "dns_nameservers": ["10.40.0.53"],
                "external_network": "public",
            },
            catalog=CATALOG,
        )
        ResearchProjectSpace(
            "research-x",
            {**space_args("x", "10.41.0.0/24"), "labels": {**INTERNAL, "project": "x"}, "region": "KMS-1"},
            network=network,
            catalog=CATALOG,
        )

    run = Run(program, config={"openstack:region": "KMS-1", "openstack:authUrl": "https://auth.kms.test/v3"})
    assert run.of_type("openstack:keymanager/orderV1:OrderV1") == []
    assert (
        run.one("openstack:blockstorage/volume:Volume", "research-x-data").properties["volume_type"]
        == "encrypted"
    )
    [space] = run.of_type(SPACE)
    assert run.outputs[space.address]["key_manager"] == "provider-kms"
