"""Terraform provider configurations read from `configuration` expressions, as Terraform and OpenTofu write
them (`jsonconfig.marshalExpression`): references match whole traversal steps, an expression with several
references is a value only when they all agree, format 0.x plans without `full_name`, and a module's own
provider block. Every plan here is written by hand; the expected regions are the values put in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_support import SMALL_CATALOG
from souverain.cli.main import main

from souverain.model import UNKNOWN, Plan, Resource, Secret
from souverain.readers import parse_plan, read_plan
from souverain.readers.terraform_plan import referenced

OPENSTACK = "registry.terraform.io/terraform-provider-openstack/openstack"
NETWORK = "openstack_networking_network_v2.app"
AUTH = {"constant_value": "https://auth.snc.acme.test/v3"}


def tofu_plan(
    region: dict[str, Any],
    variables: dict[str, Any],
    *,
    declared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A plan creating one network whose configuration leaves `region` unset (planned unknown), so that its
    region is its provider's: the `openstack` provider with the given `region` expression."""
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "variables": {name: {"value": value} for name, value in variables.items()},
        "resource_changes": [
            {
                "address": NETWORK,
                "mode": "managed",
                "type": "openstack_networking_network_v2",
                "name": "app",
                "provider_name": OPENSTACK,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"name": "app", "admin_state_up": True},
                    "after_unknown": {"id": True, "region": True},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        ],
        "configuration": {
            "provider_config": {
                "openstack": {
                    "name": "openstack",
                    "full_name": OPENSTACK,
                    "expressions": {"auth_url": AUTH, "region": region},
                }
            },
            "root_module": {
                "resources": [
                    {
                        "address": NETWORK,
                        "mode": "managed",
                        "type": "openstack_networking_network_v2",
                        "name": "app",
                        "provider_config_key": "openstack",
                        "expressions": {"name": {"constant_value": "app"}},
                        "schema_version": 0,
                    }
                ],
                "variables": declared or {name: {} for name in variables},
            },
        },
    }


def read(document: dict[str, Any]) -> dict[str, Resource]:
    plan: Plan = parse_plan(document, "plan.json")
    return {r.address: r for r in plan.resources}


def network_region(document: dict[str, Any]) -> Any:
    network = read(document)[NETWORK]
    assert network.region_source in ("provider", None)
    return network.region


# -- references are whole traversal steps ------------------------------------------------------------


@pytest.mark.parametrize(
    ("refs", "expected"),
    [
        (["var.region"], ["var.region"]),
        (["var.os.region", "var.os"], ["var.os.region"]),
        (["var.zones[0]", "var.zones"], ["var.zones[0]"]),
        (['var.os["region"]', "var.os"], ['var.os["region"]']),
        # coalesce(var.region, var.region_default): two variables, the first a prefix of the other's text
        (["var.region", "var.region_default"], ["var.region", "var.region_default"]),
        (["var.region_default", "var.region"], ["var.region_default", "var.region"]),
        (["local.a", "local.ab"], ["local.a", "local.ab"]),
        # coalesce(var.os.region, var.os): the second is a reference of its own, not a shorter form
        (["var.os.region", "var.os", "var.os"], ["var.os.region", "var.os"]),
        (["var.os", "var.os.region", "var.os"], ["var.os", "var.os.region"]),
        # a resource instance: its attribute, the instance, the resource
        (
            ["openstack_x.y[0].id", "openstack_x.y[0]", "openstack_x.y", "var.region"],
            ["openstack_x.y[0].id", "var.region"],
        ),
        (
            ["module.net.region", "module.net", "module.network.region", "module.network"],
            ["module.net.region", "module.network.region"],
        ),
        (["var.a", "var.a"], ["var.a"]),
        ([], []),
    ],
)
def test_references_are_split_back_into_what_the_expression_refers_to(
    refs: list[str], expected: list[str]
) -> None:
    assert referenced(refs) == expected


def test_a_variable_is_not_matched_by_a_longer_name_it_prefixes() -> None:
    """`coalesce(var.region, var.region_default)` used to read as `var.region_default` alone."""
    region = {"references": ["var.region", "var.region_default"]}
    assert (
        network_region(tofu_plan(region, {"region": "US-EAST-1", "region_default": "SNC-PAR-1"})) is UNKNOWN
    )
    assert (
        network_region(tofu_plan(region, {"region": "SNC-PAR-1", "region_default": "US-EAST-1"})) is UNKNOWN
    )


def test_a_single_longer_name_reads_its_own_variable() -> None:
    region = {"references": ["var.region_default"]}
    document = tofu_plan(region, {"region": "US-EAST-1", "region_default": "SNC-PAR-1"})
    assert network_region(document) == "SNC-PAR-1"
    region = {"references": ["var.region"]}
    document = tofu_plan(region, {"region": "US-EAST-1", "region_default": "SNC-PAR-1"})
    assert network_region(document) == "US-EAST-1"


@pytest.mark.parametrize(
    ("refs", "variables"),
    [
        # coalesce(var.a, var.b), values differ
        (["var.a", "var.b"], {"a": "SNC-PAR-1", "b": "US-EAST-1"}),
        # var.a is null: coalesce would give var.b, but the JSON does not say which function it is
        (["var.a", "var.b"], {"a": None, "b": "SNC-PAR-1"}),
        # var.use_lyon ? var.lyon : var.paris
        (
            ["var.use_lyon", "var.lyon", "var.paris"],
            {"use_lyon": True, "lyon": "SNC-LYS-1", "paris": "SNC-PAR-1"},
        ),
        # coalesce(var.os.region, var.os.fallback)
        (
            ["var.os.region", "var.os", "var.os.fallback", "var.os"],
            {"os": {"region": "SNC-PAR-1", "fallback": "US-EAST-1"}},
        ),
        # coalesce(var.os.region, var.os): a string and an object
        (["var.os.region", "var.os", "var.os"], {"os": {"region": "SNC-PAR-1"}}),
        # a variable and a local: the local's value is not in the plan
        (["var.region", "local.region"], {"region": "SNC-PAR-1"}),
        (["local.region", "var.region"], {"region": "SNC-PAR-1"}),
        # a variable and a resource attribute
        (["var.region", "openstack_x.y.region", "openstack_x.y"], {"region": "SNC-PAR-1"}),
        # one index among several
        (["var.zones[0]", "var.zones", "var.zones[1]", "var.zones"], {"zones": ["SNC-PAR-1", "US-EAST-1"]}),
    ],
)
def test_several_references_with_different_or_unknown_values_are_unknown(
    refs: list[str], variables: dict[str, Any]
) -> None:
    assert network_region(tofu_plan({"references": refs}, variables)) is UNKNOWN


@pytest.mark.parametrize(
    ("refs", "variables", "expected"),
    [
        (["var.a", "var.b"], {"a": "SNC-PAR-1", "b": "SNC-PAR-1"}, "SNC-PAR-1"),
        (["var.a", "var.a"], {"a": "SNC-LYS-1"}, "SNC-LYS-1"),
        (
            ["var.os.region", "var.os", "var.backup.region", "var.backup"],
            {"os": {"region": "SNC-LYS-1"}, "backup": {"region": "SNC-LYS-1", "zone": "b"}},
            "SNC-LYS-1",
        ),
        (["var.zones[1]", "var.zones"], {"zones": ["US-EAST-1", "SNC-PAR-1"]}, "SNC-PAR-1"),
        (['var.os["region"]', "var.os"], {"os": {"region": "SNC-PAR-1"}}, "SNC-PAR-1"),
    ],
)
def test_several_references_with_one_value_are_that_value(
    refs: list[str], variables: dict[str, Any], expected: str
) -> None:
    assert network_region(tofu_plan({"references": refs}, variables)) == expected


def test_a_number_and_the_same_digits_as_text_are_not_one_value() -> None:
    document = tofu_plan({"references": ["var.a", "var.b"]}, {"a": 1, "b": "1"})
    provider = read(document)["openstack"]
    assert provider.properties["region"] is UNKNOWN


def test_agreeing_references_of_which_one_is_sensitive_stay_secret() -> None:
    declared = {"a": {"sensitive": True}, "b": {}}
    document = tofu_plan(
        {"references": ["var.a", "var.b"]}, {"a": "SNC-PAR-1", "b": "SNC-PAR-1"}, declared=declared
    )
    provider = read(document)["openstack"]
    region = provider.properties["region"]
    assert isinstance(region, Secret)
    assert region.reveal() == "SNC-PAR-1"
    assert read(document)[NETWORK].region == "SNC-PAR-1"


def test_module_call_arguments_with_several_references_follow_the_same_rule() -> None:
    """`module "net" { region = coalesce(var.a, var.b) }` with the module's own provider using var.region."""

    def with_module(a: str, b: str) -> dict[str, Any]:
        document = tofu_plan(AUTH, {"a": a, "b": b})
        change = document["resource_changes"][0]
        change["address"] = f"module.net.{NETWORK}"
        change["module_address"] = "module.net"
        configuration = document["configuration"]
        configuration["provider_config"]["module.net:openstack"] = {
            "name": "openstack",
            "full_name": OPENSTACK,
            "module_address": "module.net",
            "expressions": {"auth_url": AUTH, "region": {"references": ["var.region"]}},
        }
        resource = configuration["root_module"].pop("resources")[0]
        resource["provider_config_key"] = "module.net:openstack"
        configuration["root_module"]["module_calls"] = {
            "net": {
                "source": "./net",
                "expressions": {"region": {"references": ["var.a", "var.b"]}},
                "module": {"resources": [resource], "variables": {"region": {}}},
            }
        }
        return document

    assert read(with_module("SNC-PAR-1", "US-EAST-1"))[f"module.net.{NETWORK}"].region is UNKNOWN
    assert read(with_module("SNC-LYS-1", "SNC-LYS-1"))[f"module.net.{NETWORK}"].region == "SNC-LYS-1"


def _check(tmp_path: Path, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", str(path), "--catalog", str(SMALL_CATALOG), "--replace-catalog", "--format", "json"]
    )
    return result.exit_code, json.loads(result.output)


def test_the_check_fails_a_disagreeing_coalesce_and_passes_an_agreeing_one(tmp_path: Path) -> None:
    region = {"references": ["var.region", "var.region_default"]}
    code, report = _check(tmp_path, tofu_plan(region, {"region": "US-EAST-1", "region_default": "SNC-PAR-1"}))
    assert code == 1
    assert {(f["policy"], f["resource"]) for f in report["findings"]} >= {("qualified-region", NETWORK)}
    code, report = _check(tmp_path, tofu_plan(region, {"region": "SNC-PAR-1", "region_default": "SNC-PAR-1"}))
    assert (code, report["findings"]) == (0, [])


# -- format 0.x: provider configurations without full_name -------------------------------------------


def _format_02(document: dict[str, Any]) -> dict[str, Any]:
    """What Terraform 1.0 writes: format 0.2, provider configurations with `name` only."""
    document["format_version"] = "0.2"
    document["terraform_version"] = "1.0.11"
    for config in document["configuration"]["provider_config"].values():
        del config["full_name"]
    return document


def test_a_format_02_provider_takes_its_source_from_the_resources_provider_name() -> None:
    resources = read(_format_02(tofu_plan({"constant_value": "SNC-PAR-1"}, {})))
    provider, network = resources["openstack"], resources[NETWORK]
    assert provider.package == "terraform-provider-openstack/openstack"  # not hashicorp/openstack
    assert network.package == "terraform-provider-openstack/openstack"
    assert network.provider is not None
    assert (network.provider.package, network.provider.address) == (
        "terraform-provider-openstack/openstack",
        "openstack",
    )
    assert network.region == "SNC-PAR-1"


def test_a_format_02_provider_with_another_local_name_is_matched_through_the_resources_key() -> None:
    """`required_providers { os = { source = "terraform-provider-openstack/openstack" } }`."""
    document = _format_02(tofu_plan({"constant_value": "SNC-LYS-1"}, {}))
    configs = document["configuration"]["provider_config"]
    configs["os"] = configs.pop("openstack")
    configs["os"]["name"] = "os"
    document["configuration"]["root_module"]["resources"][0]["provider_config_key"] = "os"
    resources = read(document)
    assert resources["os"].package == "terraform-provider-openstack/openstack"
    assert resources[NETWORK].region == "SNC-LYS-1"


def test_a_format_02_provider_no_resource_uses_keeps_the_legacy_reading() -> None:
    document = _format_02(tofu_plan({"constant_value": "SNC-PAR-1"}, {}))
    document["configuration"]["provider_config"]["random"] = {"name": "random"}
    assert read(document)["random"].package == "hashicorp/random"


def test_a_full_name_wins_over_the_resources_provider_name() -> None:
    document = tofu_plan({"constant_value": "SNC-PAR-1"}, {})
    document["configuration"]["provider_config"]["openstack"]["full_name"] = (
        "registry.opentofu.org/acme/openstack"
    )
    assert read(document)["openstack"].package == "acme/openstack"


# -- a module's own provider block -------------------------------------------------------------------


def _module_plan(
    resource_key: str, *, own_expressions: dict[str, Any] | None, format_02: bool
) -> dict[str, Any]:
    """A root provider in SNC-PAR-1 and a `module.backup` whose resources use `resource_key`; the module
    declares `openstack` itself, with a provider block (`own_expressions`) or only `required_providers`."""
    document = tofu_plan({"constant_value": "SNC-PAR-1"}, {})
    change = document["resource_changes"][0]
    change["address"] = f"module.backup.{NETWORK}"
    change["module_address"] = "module.backup"
    configuration = document["configuration"]
    own: dict[str, Any] = {"name": "openstack", "full_name": OPENSTACK, "module_address": "module.backup"}
    if own_expressions is not None:
        own["expressions"] = own_expressions
    configuration["provider_config"]["module.backup:openstack"] = own
    resource = configuration["root_module"].pop("resources")[0]
    resource["provider_config_key"] = resource_key
    configuration["root_module"]["module_calls"] = {
        "backup": {"source": "./backup", "module": {"resources": [resource]}}
    }
    return _format_02(document) if format_02 else document


@pytest.mark.parametrize(
    ("resource_key", "format_02"),
    [
        ("module.backup:openstack", False),  # Terraform 1.1+ and OpenTofu: the entry's own key
        ("backup:openstack", True),  # Terraform 0.12 to 1.0: `<call name>:<provider>`
        ("backup:openstack", False),
    ],
)
def test_a_modules_own_provider_block_gives_its_resources_their_region(
    resource_key: str, format_02: bool
) -> None:
    own = {"auth_url": AUTH, "region": {"constant_value": "SNC-LYS-1"}}
    resources = read(_module_plan(resource_key, own_expressions=own, format_02=format_02))
    network = resources[f"module.backup.{NETWORK}"]
    assert network.provider is not None
    assert network.provider.address == "module.backup:openstack"
    assert (network.region, network.region_source) == ("SNC-LYS-1", "provider")


def test_a_modules_own_provider_block_in_a_us_region_is_that_region() -> None:
    own = {"auth_url": AUTH, "region": {"constant_value": "US-EAST-1"}}
    network = read(_module_plan("backup:openstack", own_expressions=own, format_02=True))[
        f"module.backup.{NETWORK}"
    ]
    assert network.region == "US-EAST-1"


def test_a_module_that_only_requires_the_provider_does_not_decide_between_the_roots_configurations() -> None:
    """Terraform before 1.1 lists a child module's `required_providers` as an entry without arguments; the
    configuration its resources use is passed or inherited, which the plan does not say: with another
    configuration of the provider at the root, the region is UNKNOWN (fail closed)."""
    document = _module_plan("backup:openstack", own_expressions=None, format_02=True)
    document["configuration"]["provider_config"]["openstack.lyon"] = {
        "name": "openstack",
        "alias": "lyon",
        "expressions": {"auth_url": AUTH, "region": {"constant_value": "SNC-LYS-1"}},
    }
    assert read(document)[f"module.backup.{NETWORK}"].region is UNKNOWN


def test_a_nested_modules_own_provider_block_in_terraform_012_keys() -> None:
    """Terraform 0.12 (hashicorp/terraform-json `testdata/deep_module`): a resource of module.foo.module.bar
    has key `bar:openstack`; the module's provider block is `module.foo.module.bar:openstack`."""
    document = _format_02(tofu_plan({"constant_value": "SNC-PAR-1"}, {}))
    address = f"module.foo.module.bar.{NETWORK}"
    change = document["resource_changes"][0]
    change["address"], change["module_address"] = address, "module.foo.module.bar"
    configuration = document["configuration"]
    configuration["provider_config"]["module.foo.module.bar:openstack"] = {
        "name": "openstack",
        "module_address": "module.foo.module.bar",
        "expressions": {"auth_url": AUTH, "region": {"references": ["var.region"]}},
    }
    resource = configuration["root_module"].pop("resources")[0]
    resource["provider_config_key"] = "bar:openstack"
    bar = {
        "source": "./bar",
        "expressions": {"region": {"constant_value": "US-EAST-1"}},
        "module": {"resources": [resource], "variables": {"region": {}}},
    }
    configuration["root_module"]["module_calls"] = {
        "foo": {"source": "./foo", "module": {"module_calls": {"bar": bar}}}
    }
    network = read(document)[address]
    assert network.provider is not None
    assert network.provider.address == "module.foo.module.bar:openstack"
    assert network.provider.package == "terraform-provider-openstack/openstack"
    assert network.region == "US-EAST-1"


# -- Terraform 0.13 to 1.0: a child module's `required_providers` entry is no configuration ----------


@pytest.mark.parametrize(
    ("root_region", "expected"), [("SNC-PAR-1", "SNC-PAR-1"), ("US-EAST-1", "US-EAST-1")]
)
def test_a_module_that_only_requires_the_provider_inherits_the_single_configuration(
    root_region: str, expected: str
) -> None:
    """`module.backup:openstack` with only `name` and `version_constraint` (what a module's
    `required_providers` becomes in a format 0.x plan): its resources use the root's configuration."""
    document = _module_plan("backup:openstack", own_expressions=None, format_02=True)
    configs = document["configuration"]["provider_config"]
    configs["openstack"]["expressions"]["region"] = {"constant_value": root_region}
    configs["module.backup:openstack"]["version_constraint"] = ">= 1.54.0"
    network = read(document)[f"module.backup.{NETWORK}"]
    assert network.provider is not None
    assert network.provider.address == "openstack"
    assert (network.region, network.region_source) == (expected, "provider")


def test_a_module_that_only_requires_a_provider_nobody_configures_has_no_region() -> None:
    document = _module_plan("backup:openstack", own_expressions=None, format_02=True)
    del document["configuration"]["provider_config"]["openstack"]
    network = read(document)[f"module.backup.{NETWORK}"]
    assert network.provider is not None
    assert network.provider.address == "module.backup:openstack"
    assert network.region is None


def test_since_terraform_11_a_modules_entry_without_arguments_is_its_own_configuration() -> None:
    """With `full_name` (Terraform 1.1+, OpenTofu) a requirement is resolved to its parent's entry, so an
    entry left without arguments is a provider block configured from the environment: no known region."""
    document = _module_plan("module.backup:openstack", own_expressions=None, format_02=False)
    network = read(document)[f"module.backup.{NETWORK}"]
    assert network.provider is not None
    assert network.provider.address == "module.backup:openstack"
    assert network.region is None


def test_a_real_terraform_10_plan_with_a_registry_module_reads_the_roots_region() -> None:
    """checkov's `plan_module_with_connected_resources` (Terraform 1.0.7): `module.s3-bucket` declares
    `required_providers { aws = ">= 5.27.0" }`; the root's provider block sets region eu-central-1."""
    corpus = Path(__file__).parent / "fixtures" / "real" / "checkov"
    plan = read_plan(corpus / "parser__resources__plan_module_with_connected_resources__tfplan.json")
    in_module = [r for r in plan.resources if r.parent == "module.s3-bucket" and not r.is_provider]
    assert len(in_module) == 2
    for resource in in_module:
        assert resource.provider is not None
        assert resource.provider.address == "aws"
        assert (resource.region, resource.region_source) == ("eu-central-1", "provider")
