"""`pulumi preview --json` reader: the model a realistic preview of a small OpenStack stack turns into."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from souverain.errors import InputError
from souverain.model import UNKNOWN, Operation, Plan, Resource, Secret
from souverain.readers import parse_plan, read_plan
from souverain.readers._common import PULUMI_UNKNOWN, pulumi_value

FIXTURE = Path(__file__).parent / "fixtures" / "plans" / "pulumi-preview-small.json"
P = "urn:pulumi:prod::hdh-platform::"
DEFAULT = P + "pulumi:providers:openstack::default_5_5_3"
LYON = P + "pulumi:providers:openstack::lyon"
SG = P + "openstack:networking/secGroup:SecGroup::web"
RULE = P + "openstack:networking/secGroupRule:SecGroupRule::web-https"
WEB = P + "openstack:compute/instance:Instance::web"
VOLUME = P + "hdh:storage:EncryptedVolume$openstack:blockstorage/volume:Volume::patient-db-data"
BACKUPS = P + "openstack:objectstorage/container:Container::patient-db-backups"
EXPORTS = P + "openstack:objectstorage/container:Container::exports-2024"
KEYPAIR = P + "openstack:compute/keypair:Keypair::deploy"
STACK = P + "pulumi:pulumi:Stack::hdh-platform-prod"


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def parse(data: dict[str, Any]) -> Plan:
    return parse_plan(data, "preview.json")


def by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources}


def step_for(data: dict[str, Any], urn: str) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in data["steps"] if s["urn"] == urn)
    return step


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(FIXTURE)


@pytest.fixture(scope="module")
def resources(plan: Plan) -> dict[str, Resource]:
    return by_address(plan)


def test_plan_identity_and_config(plan: Plan) -> None:
    assert (plan.source, plan.path, plan.stack, plan.project) == (
        "pulumi-preview",
        str(FIXTURE),
        "prod",
        "hdh-platform",
    )
    assert plan.config["openstack:region"] == "SNC-PAR-1"
    masked = plan.config["openstack:password"]
    assert isinstance(masked, Secret)
    assert masked.reveal() is UNKNOWN  # the preview masks it; its value is not in the file


def test_one_resource_per_step_with_urn_type_name_and_kind(resources: dict[str, Resource]) -> None:
    assert list(resources) == [STACK, LYON, SG, RULE, KEYPAIR, WEB, VOLUME, BACKUPS, EXPORTS]
    volume = resources[VOLUME]
    assert (volume.type, volume.name, volume.kind, volume.package) == (
        "openstack:blockstorage/volume:Volume",
        "patient-db-data",
        "volume",
        "openstack",
    )
    assert all(r.source == "pulumi-preview" for r in resources.values())


def test_properties_are_snake_case_inputs_with_unknowns_and_secrets(resources: dict[str, Resource]) -> None:
    rule = resources[RULE].properties
    assert rule["remote_ip_prefix"] == "0.0.0.0/0"
    assert (rule["port_range_min"], rule["port_range_max"]) == (443, 443)
    assert rule["security_group_id"] is UNKNOWN
    assert "tenant_id" not in rule  # an output, not an input
    web = resources[WEB].properties
    assert isinstance(web["admin_pass"], Secret)
    assert web["user_data"].startswith("#cloud-config")
    assert "systemctl enable nginx && systemctl start nginx" in web["user_data"]  # \u0026 decoded
    assert web["metadata"] == {"data_classification": "health", "owner": "hdh-web"}  # user keys kept
    assert web["networks"] == [{"name": "hdh-app"}]
    assert resources[WEB].tags["data_classification"] == "health"


def test_default_provider_not_in_the_preview_reads_the_stack_config(resources: dict[str, Resource]) -> None:
    """Without --show-sames the unchanged default provider has no step: it reads `openstack:*` config."""
    web = resources[WEB]
    assert (web.region, web.region_source) == ("SNC-PAR-1", "provider")
    assert web.provider is not None
    assert web.provider.address == DEFAULT
    assert web.provider.package == "openstack"
    assert web.provider.properties["auth_url"] == "https://auth.snc.acme.test/v3"
    assert isinstance(web.provider.properties["password"], Secret)


def test_explicit_second_region_provider(resources: dict[str, Resource]) -> None:
    backups = resources[BACKUPS]
    assert (backups.region, backups.region_source) == ("SNC-LYS-1", "provider")
    assert backups.provider is not None
    assert backups.provider.address == LYON
    lyon = resources[LYON]
    assert lyon.is_provider
    assert lyon.custom
    assert not lyon.is_cloud_resource
    assert lyon.properties["auth_url"] == "https://auth.snc.acme.test/v3"
    assert isinstance(lyon.properties["password"], Secret)
    assert lyon.provider is None


def test_own_region_wins_over_the_provider(resources: dict[str, Resource]) -> None:
    assert (resources[VOLUME].region, resources[VOLUME].region_source) == ("SNC-PAR-1", "resource")


def test_replace_takes_the_new_inputs_and_delete_the_old(resources: dict[str, Resource]) -> None:
    volume = resources[VOLUME]
    assert volume.operation == Operation.REPLACE
    assert volume.properties["volume_type"] == "classic-luks"
    exports = resources[EXPORTS]
    assert exports.operation == Operation.DELETE
    assert exports.properties == {"__defaults": [], "force_destroy": True, "name": "hdh-exports-2024"}
    assert resources[WEB].operation == Operation.CREATE
    assert resources[STACK].operation == Operation.SAME


def test_parent_dependencies_and_retain(resources: dict[str, Resource]) -> None:
    assert resources[VOLUME].parent == P + "hdh:storage:EncryptedVolume::patient-db"
    assert resources[RULE].dependencies == (SG,)
    assert resources[BACKUPS].retain_on_delete is True
    assert resources[BACKUPS].protect is False
    assert resources[STACK].custom is False
    assert not resources[STACK].is_cloud_resource


def test_a_region_set_from_an_unknown_output_is_unknown_not_the_providers() -> None:
    data = raw()
    step_for(data, BACKUPS)["newState"]["inputs"]["region"] = PULUMI_UNKNOWN
    backups = by_address(parse(data))[BACKUPS]
    assert (backups.region, backups.region_source) == (UNKNOWN, "resource")


def test_explicit_provider_missing_from_the_preview_leaves_the_region_not_known() -> None:
    data = raw()
    data["steps"] = [s for s in data["steps"] if s["urn"] != LYON]
    backups = by_address(parse(data))[BACKUPS]
    assert backups.region is None
    assert backups.provider is not None
    assert backups.provider.address == LYON


def test_a_default_provider_step_wins_over_the_config() -> None:
    data = raw()
    provider = copy.deepcopy(step_for(data, LYON))
    provider["urn"] = provider["newState"]["urn"] = DEFAULT
    provider["newState"]["inputs"]["region"] = "SNC-NOHDS-1"
    data["steps"].insert(1, provider)
    web = by_address(parse(data))[WEB]
    assert (web.region, web.region_source) == ("SNC-NOHDS-1", "provider")


def test_default_provider_with_no_region_anywhere_is_not_known() -> None:
    data = raw()
    del data["config"]["openstack:region"]
    assert by_address(parse(data))[WEB].region is None


def test_masked_provider_region_is_unknown() -> None:
    data = raw()
    step_for(data, LYON)["newState"]["inputs"]["region"] = "[secret]"
    assert by_address(parse(data))[BACKUPS].region is UNKNOWN


@pytest.mark.parametrize(
    "order", [("delete-replaced", "replace"), ("create-replacement", "replace", "delete-replaced")]
)
def test_replacement_steps_merge_into_one_resource(order: tuple[str, ...]) -> None:
    """`--show-replacement-steps` shows a replacement as up to three steps for one URN."""
    data = raw()
    replace = step_for(data, VOLUME)
    steps = []
    for op in order:
        step = copy.deepcopy(replace)
        step["op"] = op
        if op == "delete-replaced":
            del step["newState"]
        steps.append(step)
    data["steps"] = [s for s in data["steps"] if s["urn"] != VOLUME] + steps
    resources = by_address(parse(data))
    volume = resources[VOLUME]
    assert list(resources).count(VOLUME) == 1
    assert volume.operation == Operation.REPLACE
    assert volume.properties["volume_type"] == "classic-luks"


@pytest.mark.parametrize(
    ("op", "operation"),
    [
        ("same", Operation.SAME),
        ("update", Operation.UPDATE),
        ("read", Operation.READ),
        ("refresh", Operation.SAME),
        ("import", Operation.CREATE),
        ("discard", Operation.READ),
        ("create-replacement", Operation.REPLACE),
        ("some-future-replace", Operation.REPLACE),
        ("some-future-delete", Operation.DELETE),
        ("some-future-op", Operation.UPDATE),
    ],
)
def test_step_ops(op: str, operation: Operation) -> None:
    data = raw()
    step_for(data, WEB)["op"] = op
    assert by_address(parse(data))[WEB].operation == operation


def test_a_preview_with_no_change_has_no_resources() -> None:
    plan = parse({"config": {}, "changeSummary": {"same": 12}})
    assert plan.resources == []
    assert plan.stack is None


def new_state(data: dict[str, Any], index: int) -> dict[str, Any]:
    state: dict[str, Any] = data["steps"][index]["newState"]
    return state


def _error(data: Any) -> InputError:
    with pytest.raises(InputError) as info:
        parse_plan(data, "preview.json", "pulumi-preview")
    assert info.value.file == "preview.json"
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda d: d.update(steps={"op": "create"}), "steps", "must be a list, not an object"),
        (lambda d: d["steps"].insert(3, "create"), "steps[3]", "must be an object, not a string"),
        (lambda d: d["steps"][3].pop("urn"), "steps[3].urn", "is missing"),
        (lambda d: d["steps"][3].update(urn=42), "steps[3].urn", "must be a string, not a number"),
        (lambda d: d["steps"][3].update(urn="urn:pulumi:prod::x"), "steps[3].urn", "is not a Pulumi URN"),
        (lambda d: d["steps"][2].pop("op"), "steps[2].op", "is missing"),
        (lambda d: d["steps"][2].update(newState=[1]), "steps[2].newState", "must be an object, not a list"),
        (lambda d: new_state(d, 2).update(inputs="x"), "steps[2].newState.inputs", "must be an object"),
        (lambda d: new_state(d, 2).update(protect="yes"), "steps[2].newState.protect", "true or false"),
        (lambda d: new_state(d, 3).update(dependencies=[7]), "steps[3].newState.dependencies[0]", "string"),
        (lambda d: new_state(d, 3).update(type=[]), "steps[3].newState.type", "must be a string"),
        (lambda d: d["steps"][3].update(provider={}), "steps[3].provider", "must be a string"),
        (lambda d: d["config"].update({"openstack:auth": {"a": 1}}), 'config["openstack:auth"]', "a string"),
        (lambda d: d.update(config=[]), "config", "must be an object"),
    ],
)
def test_malformed_fields_name_the_file_and_the_field(mutate: Any, field: str, message: str) -> None:
    data = raw()
    mutate(data)
    error = _error(data)
    assert error.field == field
    assert message in error.message
    assert error.line().startswith(f"preview.json: {field}: ")


def test_a_document_that_is_not_a_preview_is_refused_when_forced() -> None:
    error = _error({"version": 3, "deployment": {}})
    assert "not `pulumi preview --json` output" in error.message


def test_nesting_too_deep_is_an_input_error_not_a_crash() -> None:
    data = raw()
    deep: Any = "leaf"
    for _ in range(400):
        deep = {"k": deep}
    step_for(data, WEB)["newState"]["inputs"]["metadata"] = deep
    assert "nested too deeply" in _error(data).message


# -- pulumi_value: Pulumi's wire markers --------------------------------------------------------------------

SIG = "4dabf18193072939515e22adb298388d"


def test_pulumi_value_markers() -> None:
    value = pulumi_value(
        {
            "adminPass": {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": "p"},
            "networkId": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "dependencies": []},
            "token": {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "t", "secret": True},
            "subnetId": {SIG: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:pulumi:a::b::c::d", "id": "42"},
            "valueSpecs": {"HTTPProxy": "x"},
            "fixedIps": [{"ipAddress": PULUMI_UNKNOWN}],
        }
    )
    assert value["admin_pass"].reveal() == "p"
    assert value["network_id"] is UNKNOWN
    assert value["token"].reveal() == "t"
    assert value["subnet_id"] == "42"
    assert value["value_specs"] == {"HTTPProxy": "x"}  # a user map keeps its keys
    assert value["fixed_ips"] == [{"ip_address": UNKNOWN}]
