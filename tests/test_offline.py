"""The offline runner: a Pulumi program under the mock runtime, read back as the normalized model."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pulumi
import pulumi_openstack as openstack
import pytest
from pydantic import BaseModel, ValidationError

from souverain.model import UNKNOWN, Operation, Resource, Secret
from souverain.offline import UnknownInvokeError, run_offline, run_program

CONFIG = {
    "openstack:region": "SNC-PAR-1",
    "openstack:authUrl": "https://auth.snc.acme.test/v3",
    "openstack:password": "not-a-real-password",
}
SECRET_KEYS = ("openstack:password",)


def by_name(resources: list[Resource], name: str) -> Resource:
    matches = [r for r in resources if r.name == name]
    assert len(matches) == 1, [r.address for r in resources]
    return matches[0]


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:box:Box", name, None, opts)
        self.network = openstack.networking.Network(
            f"{name}-net",
            port_security_enabled=True,
            tags=["owner=team", "project=p1"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"network_id": self.network.id})


def small_program() -> None:
    backup = openstack.Provider(
        "backup",
        region="SNC-LYS-1",
        auth_url="https://auth.snc.acme.test/v3",
        password=pulumi.Output.secret("hunter2"),
    )
    box = Box("box")
    subnet = openstack.networking.Subnet(
        "sub",
        network_id=box.network.id,
        cidr="10.0.0.0/24",
        dns_nameservers=["192.0.2.53"],
        opts=pulumi.ResourceOptions(protect=True),
    )
    openstack.blockstorage.Volume(
        "vol",
        size=10,
        metadata={"data_classification": "health", "camelKey": "kept"},
        opts=pulumi.ResourceOptions(provider=backup, retain_on_delete=True, depends_on=[subnet]),
    )
    openstack.keymanager.SecretV1(
        "key", payload=pulumi.Output.secret("s3cr3t"), payload_content_type="text/plain"
    )
    pulumi.export("network", box.network.id)
    pulumi.export("token", pulumi.Output.secret("exported-secret"))


@pytest.fixture(scope="module")
def run() -> Any:
    return run_program(small_program, project="proj", stack="dev", config=CONFIG, secret_keys=SECRET_KEYS)


def test_resources_are_read_with_tree_and_options(run: Any) -> None:
    plan = run.plan
    assert plan.source == "pulumi-mock"
    assert (plan.project, plan.stack) == ("proj", "dev")
    stack = by_name(plan.resources, "proj-dev")
    assert stack.type == "pulumi:pulumi:Stack"
    assert not stack.custom
    box = by_name(plan.resources, "box")
    assert box.address == "urn:pulumi:dev::proj::test:box:Box::box"
    assert not box.custom
    assert not box.is_cloud_resource
    assert box.parent == stack.address
    net = by_name(plan.resources, "box-net")
    assert net.address == "urn:pulumi:dev::proj::test:box:Box$openstack:networking/network:Network::box-net"
    assert net.parent == box.address
    assert net.kind == "network"
    assert net.package == "openstack"
    assert net.operation is Operation.CREATE
    sub = by_name(plan.resources, "sub")
    assert sub.protect
    assert not sub.retain_on_delete
    assert sub.dependencies == (net.address,)
    vol = by_name(plan.resources, "vol")
    assert vol.retain_on_delete
    assert not vol.protect
    assert vol.dependencies == (sub.address,)


def test_properties_are_wire_inputs_normalized(run: Any) -> None:
    resources = run.plan.resources
    net = by_name(resources, "box-net")
    assert net.properties == {"port_security_enabled": True, "tags": ["owner=team", "project=p1"]}
    assert net.tags == {"owner": "team", "project": "p1"}
    sub = by_name(resources, "sub")
    assert sub.properties["network_id"] == "box-net_id"  # the mock's deterministic id
    assert sub.properties["dns_nameservers"] == ["192.0.2.53"]
    vol = by_name(resources, "vol")
    assert vol.properties["size"] == 10
    assert isinstance(vol.properties["size"], int)
    assert vol.properties["metadata"] == {"data_classification": "health", "camelKey": "kept"}
    key = by_name(resources, "key")
    payload = key.properties["payload"]
    assert isinstance(payload, Secret)
    assert payload.reveal() == "s3cr3t"
    assert key.properties["payload_content_type"] == "text/plain"


def test_effective_region_from_default_and_explicit_providers(run: Any) -> None:
    resources = run.plan.resources
    default = by_name(resources, "default")
    assert default.address == "urn:pulumi:dev::proj::pulumi:providers:openstack::default"
    assert default.is_provider
    assert default.type == "pulumi:providers:openstack"
    assert default.properties["region"] == "SNC-PAR-1"
    assert default.properties["auth_url"] == "https://auth.snc.acme.test/v3"
    assert isinstance(default.properties["password"], Secret)
    assert resources[0] is default  # providers before the resources they manage

    sub = by_name(resources, "sub")
    assert sub.provider is not None
    assert sub.provider.address == default.address
    assert (sub.region, sub.region_source) == ("SNC-PAR-1", "provider")

    backup = by_name(resources, "backup")
    assert backup.is_provider
    assert backup.properties["region"] == "SNC-LYS-1"
    assert isinstance(backup.properties["password"], Secret)
    vol = by_name(resources, "vol")
    assert vol.provider is not None
    assert vol.provider.address == backup.address
    assert (vol.region, vol.region_source) == ("SNC-LYS-1", "provider")
    assert vol.provider.properties["auth_url"] == "https://auth.snc.acme.test/v3"


def test_no_default_provider_without_a_resource_that_uses_it() -> None:
    def program() -> None:
        provider = openstack.Provider("only", region="SNC-LYS-1")
        openstack.networking.Network("n", opts=pulumi.ResourceOptions(provider=provider))

    plan = run_offline(program, project="p", stack="s", config=CONFIG, secret_keys=SECRET_KEYS)
    assert not [r for r in plan.resources if r.name == "default"]
    assert by_name(plan.resources, "n").region == "SNC-LYS-1"


def test_missing_region_config_leaves_region_unset() -> None:
    plan = run_offline(lambda: openstack.networking.Network("n") and None, project="p", stack="s", config={})
    net = by_name(plan.resources, "n")
    assert net.region is None
    assert net.provider is not None
    assert net.provider.properties == {}


def test_outputs_and_secrets_never_show(run: Any) -> None:
    assert run.outputs["network"] == "box-net_id"
    assert isinstance(run.outputs["token"], Secret)
    box_urn = by_name(run.plan.resources, "box").address
    assert run.component_outputs[box_urn] == {"network_id": "box-net_id"}
    assert isinstance(run.plan.config["openstack:password"], Secret)
    text = repr(run.plan) + repr(run.outputs)
    for secret in ("hunter2", "s3cr3t", "exported-secret", "not-a-real-password"):
        assert secret not in text


def test_preview_marks_values_the_provider_computes_unknown() -> None:
    def program() -> None:
        net = openstack.networking.Network("n")
        openstack.networking.Subnet("s", network_id=net.id, cidr="10.0.0.0/24", description=net.region)

    preview = run_offline(program, project="p", stack="s", config=CONFIG)
    assert by_name(preview.resources, "s").properties["description"] is UNKNOWN
    assert by_name(preview.resources, "s").properties["network_id"] == "n_id"
    update = run_offline(program, project="p", stack="s", config=CONFIG, preview=False)
    assert "description" not in by_name(update.resources, "s").properties


def test_computed_outputs_usable_by_programs() -> None:
    def program() -> None:
        vm = openstack.compute.Instance("vm", flavor_name="f", image_name="i", networks=[{"name": "n"}])
        fip = openstack.networking.FloatingIp("fip", pool="ext")
        pulumi.export("vm", vm.access_ip_v4)
        pulumi.export("fip", fip.address)

    first = run_program(program, project="p", stack="s", config=CONFIG)
    again = run_program(program, project="p", stack="s", config=CONFIG)
    assert first.outputs["vm"].startswith("10.")
    assert first.outputs["fip"].startswith("203.0.113.")
    assert first.outputs == again.outputs  # deterministic


def test_ids_stay_unique_when_names_repeat_across_types() -> None:
    def program() -> None:
        net = openstack.networking.Network("app")
        sg = openstack.networking.SecGroup("app")
        pulumi.export("ids", pulumi.Output.all(net.id, sg.id))

    ids = run_program(program, project="p", stack="s", config=CONFIG).outputs["ids"]
    assert len(set(ids)) == 2
    assert "app_id" in ids


def test_runs_do_not_leak_into_each_other() -> None:
    seen: dict[str, Any] = {}

    def first() -> None:
        seen["first"] = pulumi.Config("proj").get("only-first")
        openstack.networking.Network("first-net")

    def second() -> None:
        seen["second"] = pulumi.Config("proj").get("only-first")
        seen["stack"] = (pulumi.get_project(), pulumi.get_stack())
        openstack.networking.Network("second-net")

    plan1 = run_offline(first, project="p1", stack="dev", config={**CONFIG, "proj:only-first": "x"})
    plan2 = run_offline(second, project="p2", stack="prod", config={"openstack:region": "SNC-LYS-1"})
    assert seen == {"first": "x", "second": None, "stack": ("p2", "prod")}
    assert {r.name for r in plan1.resources} == {"default", "p1-dev", "first-net"}
    assert {r.name for r in plan2.resources} == {"default", "p2-prod", "second-net"}
    assert by_name(plan2.resources, "second-net").region == "SNC-LYS-1"
    assert all(r.address.startswith("urn:pulumi:prod::p2::") for r in plan2.resources)


def test_shell_pulumi_config_does_not_reach_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_OPENSTACK_REGION", "US-EAST-1")
    monkeypatch.setenv("PULUMI_CONFIG", '{"openstack:region": "US-EAST-1"}')
    seen: dict[str, Any] = {}

    def program() -> None:
        seen["region"] = pulumi.Config("openstack").get("region")

    run_offline(program, project="p", stack="s", config={})
    assert seen["region"] is None
    assert os.environ["PULUMI_CONFIG_OPENSTACK_REGION"] == "US-EAST-1"  # restored after the run


class Args(BaseModel):
    cidr: str


def test_program_exception_surfaces_unchanged() -> None:
    def program() -> None:
        openstack.networking.Network("before")
        Args.model_validate({"cidr": 3})

    with pytest.raises(ValidationError) as caught:
        run_offline(program, project="p", stack="s", config=CONFIG)
    assert caught.value.errors()[0]["loc"] == ("cidr",)
    # and the next run is clean
    plan = run_offline(
        lambda: openstack.networking.Network("after") and None, project="p", stack="s", config=CONFIG
    )
    assert {r.name for r in plan.resources} == {"default", "p-s", "after"}


def test_exception_inside_apply_surfaces() -> None:
    def program() -> None:
        net = openstack.networking.Network("n")

        def boom(_: Any) -> None:
            raise KeyError("no such tier")

        net.id.apply(boom)

    with pytest.raises(KeyError, match="no such tier"):
        run_offline(program, project="p", stack="s", config=CONFIG)


def test_invokes_from_table_and_unknown_invoke_is_an_error() -> None:
    def program() -> None:
        ext = openstack.networking.get_network(name="ext-net", external=True)
        pulumi.export("ext", ext.id)

    assert run_program(program, project="p", stack="s", config=CONFIG).outputs["ext"] == "ext-net_id"
    custom = {
        "openstack:networking/getNetwork:getNetwork": lambda args: {"id": "given", "name": args["name"]}
    }
    assert (
        run_program(program, project="p", stack="s", config=CONFIG, invokes=custom).outputs["ext"] == "given"
    )

    def unknown() -> None:
        openstack.compute.get_flavor(name="m1")

    with pytest.raises(UnknownInvokeError, match=r"openstack:compute/getFlavor:getFlavor"):
        run_offline(unknown, project="p", stack="s", config=CONFIG)


def test_secret_keys_must_be_config_keys() -> None:
    with pytest.raises(ValueError, match="openstack:token"):
        run_offline(lambda: None, project="p", stack="s", config=CONFIG, secret_keys=["openstack:token"])


def test_callers_event_loop_is_left_alone() -> None:
    """Checked on a thread of its own, so the test does not change the main thread's loop either."""
    seen: list[bool] = []

    def caller() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            run_offline(
                lambda: openstack.networking.Network("n") and None, project="p", stack="s", config=CONFIG
            )
            seen.append(asyncio.get_event_loop() is loop and not loop.is_closed())
        finally:
            loop.close()

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join()
    assert seen == [True]


def test_dry_run_flag_reaches_the_program() -> None:
    seen: list[bool] = []
    run_offline(lambda: seen.append(pulumi.runtime.is_dry_run()), project="p", stack="s", config={})
    run_offline(
        lambda: seen.append(pulumi.runtime.is_dry_run()), project="p", stack="s", config={}, preview=False
    )
    assert seen == [True, False]


def test_read_resources_and_logged_warnings() -> None:
    def program() -> None:
        existing = openstack.networking.Network.get("shared", "net-0042")
        pulumi.log.warn("tier app has no egress")
        pulumi.export("existing", existing.id)

    run = run_program(program, project="p", stack="s", config=CONFIG)
    shared = by_name(run.plan.resources, "shared")
    assert shared.operation is Operation.READ
    assert shared.region == "SNC-PAR-1"
    assert run.outputs["existing"] == "net-0042"
    assert ("warning", "tier app has no egress") in run.messages
    assert all(severity != "debug" for severity, _ in run.messages)


def test_provider_region_unknown_until_apply_stays_unknown() -> None:
    def program() -> None:
        net = openstack.networking.Network("n")
        provider = openstack.Provider("late", region=net.region)  # the mock returns no `region` output
        openstack.networking.Network("m", opts=pulumi.ResourceOptions(provider=provider))

    plan = run_offline(program, project="p", stack="s", config=CONFIG)
    assert by_name(plan.resources, "m").region is UNKNOWN
