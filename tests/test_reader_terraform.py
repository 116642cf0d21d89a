"""`tofu show -json` / `terraform show -json` reader: modules, aliases, variables, unknowns, secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from souverain.errors import InputError
from souverain.model import UNKNOWN, Operation, Plan, Resource, Secret
from souverain.readers import parse_plan, read_plan
from souverain.readers._common import terraform_value
from souverain.readers.terraform_plan import module_path, provider_source

FIXTURE = Path(__file__).parent / "fixtures" / "plans" / "tofu-plan-modules.json"
OPENSTACK = "terraform-provider-openstack/openstack"
WEB0 = "openstack_compute_instance_v2.web[0]"
VOLUME = "openstack_blockstorage_volume_v3.patient_data"
KEYPAIR = "openstack_compute_keypair_v2.deploy"
EXPORTS = "openstack_objectstorage_container_v1.exports_2024"
REPLICA = "module.backup[0].openstack_blockstorage_volume_v3.replica"
BACKUPS = "module.backup[0].openstack_objectstorage_container_v1.backups"
SUBNET1 = "module.network.openstack_networking_subnet_v2.app[1]"
HTTPS = "module.network.openstack_networking_secgroup_rule_v2.https"
SSH = "module.network.module.rules.openstack_networking_secgroup_rule_v2.ssh"


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def parse(data: dict[str, Any]) -> Plan:
    return parse_plan(data, "plan.json")


def by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources}


def change(data: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["resource_changes"] if c["address"] == address)
    return found


def configured(data: dict[str, Any], *calls: str) -> dict[str, Any]:
    """The configuration module reached through the given module calls."""
    module: dict[str, Any] = data["configuration"]["root_module"]
    for call in calls:
        module = module["module_calls"][call]["module"]
    return module


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(FIXTURE)


@pytest.fixture(scope="module")
def resources(plan: Plan) -> dict[str, Resource]:
    return by_address(plan)


def test_addresses_keep_module_path_and_index_and_skip_data_sources(resources: dict[str, Resource]) -> None:
    managed = [a for a, r in resources.items() if not r.is_provider]
    assert managed == [
        REPLICA,
        BACKUPS,
        SSH,
        "module.network.openstack_networking_network_v2.app",
        HTTPS,
        "module.network.openstack_networking_secgroup_v2.web",
        "module.network.openstack_networking_subnet_v2.app[0]",
        SUBNET1,
        VOLUME,
        WEB0,
        "openstack_compute_instance_v2.web[1]",
        KEYPAIR,
        EXPORTS,
    ]
    subnet = resources[SUBNET1]
    assert (subnet.type, subnet.name, subnet.kind, subnet.parent) == (
        "openstack_networking_subnet_v2",
        "app[1]",
        "subnet",
        "module.network",
    )
    assert subnet.package == OPENSTACK  # registry.opentofu.org/... without the host
    assert subnet.source == "terraform-plan"
    assert resources[BACKUPS].parent == "module.backup[0]"


def test_operations(resources: dict[str, Resource]) -> None:
    assert resources[WEB0].operation == Operation.CREATE
    assert resources[VOLUME].operation == Operation.REPLACE
    assert resources[VOLUME].properties["volume_type"] == "classic-luks"  # the new object
    exports = resources[EXPORTS]
    assert exports.operation == Operation.DELETE
    assert exports.properties["force_destroy"] is True  # read from `before`
    assert exports.retain_on_delete is False


@pytest.mark.parametrize(
    ("actions", "operation", "kept"),
    [
        (["no-op"], Operation.SAME, False),
        (["update"], Operation.UPDATE, False),
        (["create", "delete"], Operation.REPLACE, False),
        (["read"], Operation.READ, False),
        (["forget"], Operation.DELETE, True),
        (["create", "forget"], Operation.REPLACE, True),
        (["delete", "something-new"], Operation.DELETE, False),
        (["something-new"], Operation.UPDATE, False),
    ],
)
def test_actions(actions: list[str], operation: Operation, kept: bool) -> None:
    data = raw()
    change(data, WEB0)["change"]["actions"] = actions
    web = by_address(parse(data))[WEB0]
    assert (web.operation, web.retain_on_delete) == (operation, kept)


def test_unknown_and_sensitive_values(resources: dict[str, Resource]) -> None:
    web = resources[WEB0].properties
    assert web["id"] is UNKNOWN
    assert web["access_ip_v4"] is UNKNOWN  # null in `after`, true in `after_unknown`
    assert web["network"][0]["name"] == "hdh-app"
    assert web["network"][0]["uuid"] is UNKNOWN  # omitted from `after`
    assert web["security_groups"] == ["hdh-web"]
    admin_pass = web["admin_pass"]
    assert isinstance(admin_pass, Secret)
    assert admin_pass.reveal() == "Chang3-me-n0w!"  # policies can tell a hard-coded one
    assert "Chang3" not in repr(web)
    assert resources[WEB0].tags == {"env": "prod", "owner": "hdh-web", "data_classification": "health"}


def test_effective_region_precedence(resources: dict[str, Resource]) -> None:
    # Unset optional-computed `region` is planned unknown: the provider's region (var.region) applies.
    web = resources[WEB0]
    assert "region" not in web.properties
    assert (web.region, web.region_source) == ("SNC-PAR-1", "provider")
    # Set in the configuration: the resource's own region wins.
    assert (resources[KEYPAIR].region, resources[KEYPAIR].region_source) == ("SNC-NOHDS-1", "resource")
    assert (resources[VOLUME].region, resources[VOLUME].region_source) == ("SNC-PAR-1", "resource")


def test_default_provider_from_a_variable(resources: dict[str, Resource]) -> None:
    provider = resources[WEB0].provider
    assert provider is not None
    assert (provider.address, provider.package, provider.region) == ("openstack", OPENSTACK, "SNC-PAR-1")
    assert provider.properties["auth_url"] == "https://auth.snc.acme.test/v3"
    assert provider.properties["tenant_name"] == "hdh-prod"


def test_aliased_provider_passed_to_a_counted_module(resources: dict[str, Resource]) -> None:
    """`module "backup" { count = 1, providers = { openstack = openstack.lyon } }`: var.backup.region."""
    for address in (REPLICA, BACKUPS):
        resource = resources[address]
        assert resource.provider is not None
        assert resource.provider.address == "openstack.lyon"
        assert (resource.region, resource.region_source) == ("SNC-LYS-1", "provider")


def test_nested_module_inherits_the_root_provider(resources: dict[str, Resource]) -> None:
    ssh = resources[SSH]
    assert ssh.provider is not None
    assert ssh.provider.address == "openstack"
    assert ssh.region == "SNC-PAR-1"
    assert ssh.properties["remote_ip_prefix"] == "192.0.2.0/27"
    assert ssh.properties["security_group_id"] is UNKNOWN


def test_provider_configurations_are_provider_resources(resources: dict[str, Resource]) -> None:
    default, lyon = resources["openstack"], resources["openstack.lyon"]
    assert default.is_provider
    assert lyon.is_provider
    assert not default.is_cloud_resource
    assert (lyon.name, lyon.package, lyon.type) == ("lyon", OPENSTACK, "provider.openstack")
    # A hard-coded password stays a plain value (policies flag it); one from a sensitive variable is a Secret.
    assert lyon.properties["password"] == "hunter2-in-the-code"
    assert isinstance(default.properties["password"], Secret)
    assert default.properties["password"].reveal() == "tfvars-password-4-prod"
    assert default.properties["user_name"] == "svc-hdh-deploy"


def test_dependencies_from_prior_state_depends_on_and_references(resources: dict[str, Resource]) -> None:
    assert resources[VOLUME].dependencies == ("module.network.openstack_networking_network_v2.app",)
    # `depends_on = [module.network]`, and `key_pair = openstack_compute_keypair_v2.deploy.name`: a resource
    # created in the plan depends on what its configuration refers to, as its state will say once applied.
    assert resources[WEB0].dependencies == ("module.network", "openstack_compute_keypair_v2.deploy")


def test_reference_to_anything_but_a_variable_is_unknown() -> None:
    data = raw()
    data["configuration"]["provider_config"]["openstack"]["expressions"]["region"] = {
        "references": ["local.region"]
    }
    web = by_address(parse(data))[WEB0]
    assert (web.region, web.region_source) == (UNKNOWN, "provider")


def test_variable_default_when_the_plan_has_no_value() -> None:
    data = raw()
    del data["variables"]["region"]
    configured(data)["variables"]["region"]["default"] = "SNC-NOHDS-1"
    assert by_address(parse(data))[WEB0].region == "SNC-NOHDS-1"


def test_provider_in_a_child_module_reads_the_module_call_arguments() -> None:
    """A provider configured inside a module: `region = var.net_region`, given by the module call."""
    data = raw()
    data["configuration"]["provider_config"]["module.network:openstack"] = {
        "name": "openstack",
        "full_name": "registry.opentofu.org/terraform-provider-openstack/openstack",
        "module_address": "module.network",
        "expressions": {"region": {"references": ["var.net_region"]}},
    }
    network = data["configuration"]["root_module"]["module_calls"]["network"]
    network["expressions"]["net_region"] = {"references": ["var.backup.region", "var.backup"]}
    for resource in configured(data, "network")["resources"]:
        resource["provider_config_key"] = "module.network:openstack"
    resources = by_address(parse(data))
    assert resources[HTTPS].region == "SNC-LYS-1"
    assert resources[HTTPS].provider is not None
    assert resources[HTTPS].provider.address == "module.network:openstack"
    # The nested module's configuration still names the root provider.
    assert resources[SSH].region == "SNC-PAR-1"


def test_older_keys_naming_the_module_call_are_resolved() -> None:
    """Terraform 0.12 wrote `<call>:<provider>` keys that match no provider_config entry."""
    data = raw()
    del data["configuration"]["provider_config"]["openstack.lyon"]
    for resource in configured(data, "network")["resources"]:
        resource["provider_config_key"] = "network:openstack"
    assert by_address(parse(data))[HTTPS].region == "SNC-PAR-1"


def test_a_guessed_provider_with_an_alias_around_has_an_unknown_region() -> None:
    data = raw()
    for resource in configured(data, "network")["resources"]:
        resource["provider_config_key"] = "network:openstack"
    assert by_address(parse(data))[HTTPS].region is UNKNOWN


def test_several_possible_providers_with_different_regions_are_unknown() -> None:
    """OpenTofu writes `provider_config_keys` when a resource may use one of several configurations."""
    data = raw()
    web = next(
        r for r in configured(data)["resources"] if r["address"] == "openstack_compute_instance_v2.web"
    )
    del web["provider_config_key"]
    web["provider_config_keys"] = ["openstack", "openstack.lyon"]
    assert by_address(parse(data))[WEB0].region is UNKNOWN


def test_unknown_region_without_configuration_stays_unknown() -> None:
    data = raw()
    del data["configuration"]
    web = by_address(parse(data))[WEB0]
    assert web.properties["region"] is UNKNOWN
    assert web.region is UNKNOWN
    assert web.provider is not None
    assert web.provider.package == OPENSTACK


def test_state_document_is_read_as_unchanged_resources() -> None:
    """`terraform show -json` without a plan: `values.root_module` with child modules."""
    data = raw()
    state = data["prior_state"]
    state["values"]["root_module"]["child_modules"] = [
        {
            "address": "module.network",
            "resources": [
                {
                    "address": "module.network.openstack_networking_secgroup_rule_v2.https",
                    "mode": "managed",
                    "type": "openstack_networking_secgroup_rule_v2",
                    "name": "https",
                    "provider_name": "registry.terraform.io/terraform-provider-openstack/openstack",
                    "schema_version": 0,
                    "values": {
                        "direction": "ingress",
                        "region": "SNC-PAR-1",
                        "remote_ip_prefix": "0.0.0.0/0",
                    },
                    "sensitive_values": {},
                }
            ],
        }
    ]
    plan = parse_plan(state, "state.json")
    resources = by_address(plan)
    assert plan.source == "terraform-plan"
    assert set(resources) == {VOLUME, EXPORTS, HTTPS}
    assert {r.operation for r in resources.values()} == {Operation.SAME}
    https = resources[HTTPS]
    assert (https.region, https.region_source, https.parent) == ("SNC-PAR-1", "resource", "module.network")
    assert resources[VOLUME].dependencies == ("module.network.openstack_networking_network_v2.app",)


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("registry.terraform.io/terraform-provider-openstack/openstack", OPENSTACK),
        ("registry.opentofu.org/hashicorp/aws", "hashicorp/aws"),
        ("registry.terraform.io/-/openstack", "hashicorp/openstack"),
        ("openstack", "hashicorp/openstack"),
    ],
)
def test_provider_source(name: str, source: str) -> None:
    assert provider_source(name) == source


def test_module_path_drops_instance_keys() -> None:
    assert module_path('module.a[0].module.b["x]y"]') == "module.a.module.b"


def _error(data: Any) -> InputError:
    with pytest.raises(InputError) as info:
        parse_plan(data, "plan.json", "terraform-plan")
    assert info.value.file == "plan.json"
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda d: d.update(resource_changes={}), "resource_changes", "must be a list, not an object"),
        (lambda d: d["resource_changes"].insert(3, 7), "resource_changes[3]", "not a number"),
        (lambda d: d["resource_changes"][3].pop("address"), "resource_changes[3].address", "is missing"),
        (lambda d: d["resource_changes"][3].update(name=""), "resource_changes[3].name", "is empty"),
        (
            lambda d: d["resource_changes"][3]["change"].pop("actions"),
            "resource_changes[3].change.actions",
            "missing",
        ),
        (
            lambda d: d["resource_changes"][3]["change"].update(actions="create"),
            "resource_changes[3].change.actions",
            "list",
        ),
        (
            lambda d: d["resource_changes"][3]["change"].update(after="x"),
            "resource_changes[3].change.after",
            "object",
        ),
        (lambda d: d.update(format_version="2.0"), "format_version", "not supported"),
        (lambda d: d["configuration"].update(provider_config=[]), "configuration.provider_config", "object"),
        (
            lambda d: d["configuration"]["provider_config"]["openstack"].update(expressions=1),
            "configuration.provider_config.openstack.expressions",
            "must be an object",
        ),
        (
            lambda d: d["configuration"]["provider_config"]["openstack.lyon"]["expressions"].update(region=3),
            'configuration.provider_config["openstack.lyon"].expressions.region',
            "expression",
        ),
        (
            lambda d: d["configuration"]["root_module"]["module_calls"].update(backup=[]),
            "configuration.root_module.module_calls.backup",
            "must be an object",
        ),
        (lambda d: d.update(prior_state={"values": []}), "prior_state.values", "must be an object"),
    ],
)
def test_malformed_fields_name_the_file_and_the_field(mutate: Any, field: str, message: str) -> None:
    data = raw()
    mutate(data)
    error = _error(data)
    assert error.field == field
    assert message in error.message


def test_a_document_without_format_version_is_refused_when_forced() -> None:
    assert "no format_version" in _error({"steps": []}).message


# -- terraform_value: how `after` and its masks combine ----------------------------------------------------


def test_terraform_value_marks_and_shares_unmarked_parts() -> None:
    after = {"name": "a", "block": [{"x": 1}, None], "tags": {"k": "v"}, "password": "p"}
    unknown = {"id": True, "block": [{}, True], "nested": {"deep": [True]}, "tags": {}}
    sensitive = {"password": True, "block": [{"x": True}, False]}
    value = terraform_value(after, unknown, sensitive)
    assert value["name"] == "a"
    assert value["id"] is UNKNOWN  # absent from `after`
    assert value["block"][0]["x"].reveal() == 1
    assert value["block"][1] is UNKNOWN  # null in `after`, unknown in the mask
    assert value["nested"] == {"deep": [UNKNOWN]}
    assert value["password"].reveal() == "p"
    assert value["tags"] is after["tags"]  # nothing marked inside: shared, not copied
    assert after["block"] == [{"x": 1}, None]  # the input is not modified


def test_terraform_value_unknown_and_sensitive_at_once() -> None:
    value = terraform_value({}, {"token": True}, {"token": True})
    assert isinstance(value["token"], Secret)
    assert value["token"].reveal() is UNKNOWN


def test_terraform_value_without_marks_is_the_value() -> None:
    after = {"a": [1, {"b": None}]}
    assert terraform_value(after, {"a": [False, {}]}, {}) is after
    assert terraform_value(None, False, False) is None


# --- prior_state read straight into its typed shape: the same dependencies, or the generic reader decides --


def _prior(modules_depth: int, bad: Any = None) -> dict[str, Any]:
    """A prior_state with resources in the root and in a chain of nested child modules."""
    module: dict[str, Any] = {"resources": [{"address": "leaf.a", "depends_on": ["leaf.b"]}]}
    for level in range(modules_depth):
        module = {
            "address": f"module.m{level}",
            "resources": [
                {"address": f"m{level}.r", "depends_on": [f"m{level}.s"]},
                {"address": "dup.r", "depends_on": [f"from-m{level}"]},  # duplicates: the last one wins
            ],
            "child_modules": [module, {"resources": [{"address": f"m{level}.sibling"}]}],
        }
    if bad is not None:
        module["resources"].append(bad)
    return {"format_version": "1.0", "values": {"root_module": module}}


@pytest.mark.parametrize("depth", [0, 3, 40])
def test_typed_prior_state_gives_the_generic_readers_dependencies(depth: int) -> None:
    from souverain.readers._json import decode_document
    from souverain.readers.terraform_plan import _prior_dependencies, _PriorState, _state_dependencies

    prior = _prior(depth)
    document = decode_document(json.dumps({"prior_state": prior}).encode(), "plan.json")
    typed = _prior_dependencies(document.typed("prior_state", _PriorState))
    generic = _state_dependencies(prior, "plan.json", "prior_state")
    assert typed is not None
    assert list(typed.items()) == list(generic.items())


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"address": "x", "depends_on": "not-a-list"}, "must be a list"),
        ({"address": "x", "depends_on": [3]}, "must be a string"),
        ("not-an-object", "must be an object"),
    ],
)
def test_a_prior_state_the_typed_shape_declines_gets_the_generic_error(
    tmp_path: Path, bad: Any, message: str
) -> None:
    data = raw()
    data["prior_state"] = _prior(2, bad)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as caught:
        read_plan(path)
    assert "prior_state.values.root_module" in (caught.value.field or "")


def test_modules_nested_past_the_limit_are_refused_even_when_the_typed_shape_fits(tmp_path: Path) -> None:
    data = raw()
    data["prior_state"] = _prior(250)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="nested too deeply"):
        read_plan(path)


# --- resource_changes read through its typed shape: the same model as the generic reader ------------------


def _lazy(data: dict[str, Any]) -> Plan:
    from souverain.readers._json import decode_document

    return parse_plan(decode_document(json.dumps(data).encode(), "plan.json"), "plan.json")


def _model(plan: Plan) -> list[tuple[Any, ...]]:
    return [
        (r.address, r.type, r.name, r.operation, r.properties, r.region, r.dependencies, r.retain_on_delete)
        for r in plan.resources
    ]


def test_typed_resource_changes_give_the_generic_model() -> None:
    data = raw()
    deleted = next(c for c in data["resource_changes"] if c.get("mode") == "managed")
    deleted["change"]["actions"] = ["delete"]  # a delete: the typed path builds its undecoded `before`
    deleted["change"]["before"] = {"name": "old", "size": 20, "region": "SNC-PAR-1"}
    deleted["change"]["before_sensitive"] = {"name": True}
    assert _model(_lazy(data)) == _model(parse(data))
    assert _model(_lazy(raw())) == _model(parse(raw()))


def test_a_refused_number_in_a_deleted_resources_before_is_still_reported(tmp_path: Path) -> None:
    data = raw()
    deleted = next(c for c in data["resource_changes"] if c.get("mode") == "managed")
    deleted["change"]["actions"] = ["delete"]
    deleted["change"]["before"] = {"size": "@@"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data).replace('"@@"', "1e400"))
    with pytest.raises(InputError, match="number 1e400 is too large"):
        read_plan(path)


@pytest.mark.parametrize(
    "bad", ['"not-an-object"', '{"change": "not-an-object", "address": "a", "type": "t", "name": "n"}']
)
def test_a_change_the_typed_shape_declines_gets_the_generic_error(tmp_path: Path, bad: str) -> None:
    data = raw()
    data["resource_changes"].append("@@")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data).replace('"@@"', bad))
    with pytest.raises(InputError, match="must be an object") as caught:
        read_plan(path)
    assert (caught.value.field or "").startswith("resource_changes[")


def test_dependencies_come_from_references_not_from_constant_values() -> None:
    """A constant map whose key is `references` (metadata, tags) names no resource."""
    data = raw()
    for resource in data["configuration"]["root_module"]["resources"]:
        if resource["address"] == "openstack_compute_keypair_v2.deploy":
            resource["expressions"]["metadata"] = {
                "constant_value": {"references": ["openstack_networking_port_v2.p"]}
            }
    resources = {r.address: r for r in parse_plan(data, "plan.json").resources}
    assert (
        "openstack_networking_port_v2.p" not in resources["openstack_compute_keypair_v2.deploy"].dependencies
    )
