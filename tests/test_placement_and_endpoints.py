"""Where a resource lands and which offer its provider reaches, read from plans shaped as the real tools
write them (`pulumi preview --json`, `tofu show -json`), judged by qualified-region and
no-us-controlled-service over the invented catalog `fixtures/catalogs/placement.yaml`.

The families (issue 12, items 1, 2 and 10; issue 13, qualifications in progress):
- a package that reaches both a US offer and a non-US one (`gcp`, `hashicorp/google`, `google-beta`) is
  decided by its provider's endpoint setting (`universe_domain`); unset means the catalog's default, the
  US offer; unknown is unknown;
- `location`, `zone`, `availability_zone` and `subregion_name` place a resource like `region`; a zone
  belongs to the region the catalog lists it under; a zone of another region is a finding;
- a qualification in progress is named, and never counts;
- local-only packages (random, tls, null, time, local, archive, template, command, terraform_data) have
  no region and get no region finding; an unknown package still fails closed.

Every expected message is written by hand from the catalog's invented facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import pack_and_check_verdicts
from hostile_support import secret_envelope
from souverain.policies.no_us_controlled import POLICY as NO_US
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.policy import Settings
from souverain.readers import parse_plan
from souverain.readers._common import PULUMI_UNKNOWN

CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "placement.yaml"

STACK, PROJECT = "dev", "hdh"
HYPER_US = "HyperCloud, operated by Hyper LLC (US): US-controlled"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG], replace=True)


def findings(document: dict[str, Any], catalog: Catalog, **settings: Any) -> dict[str, list[str]]:
    """`policy name` -> messages, for every finding of the two policies (names, not addresses)."""
    plan = parse_plan(document, "plan.json")
    evaluation = evaluate(plan.resources, catalog, [QUALIFIED_REGION, NO_US], settings=Settings(**settings))
    names = {resource.address: resource.name for resource in plan.resources}
    found: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        name = names.get(finding.resource, finding.resource)
        marker = " (unknown)" if finding.unknown else ""
        found.setdefault(f"{finding.policy} {name}", []).append(finding.message + marker)
    return found


# -- pulumi preview --json ------------------------------------------------------------------------------


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


def _default_provider(package: str) -> str:
    return f"{_urn(f'pulumi:providers:{package}', 'default_9_0_0')}::04da6b54"


def step(type_token: str, name: str, inputs: dict[str, Any], provider: str | None = None) -> dict[str, Any]:
    reference = provider or _default_provider(type_token.split(":", 1)[0])
    state = {"urn": _urn(type_token, name), "custom": True, "type": type_token, "inputs": inputs}
    state["provider"] = reference
    return {"op": "create", "urn": _urn(type_token, name), "provider": reference, "newState": state}


def provider_step(package: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    type_token = f"pulumi:providers:{package}"
    state = {"urn": _urn(type_token, name), "custom": True, "type": type_token, "inputs": inputs}
    return {"op": "create", "urn": _urn(type_token, name), "newState": state}


def explicit(package: str, name: str) -> str:
    return f"{_urn(f'pulumi:providers:{package}', name)}::2b5c1e6a"


def preview(*steps: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    stack_urn = _urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}")
    stack = {"op": "same", "urn": stack_urn, "newState": {"urn": stack_urn, "custom": False}}
    stack["newState"]["type"] = "pulumi:pulumi:Stack"
    return {"config": config or {}, "steps": [stack, *steps], "changeSummary": {"create": len(steps)}}


# -- tofu show -json ------------------------------------------------------------------------------------

GOOGLE = "registry.terraform.io/hashicorp/google"
GOOGLE_BETA = "registry.terraform.io/hashicorp/google-beta"
SCALEWAY = "registry.opentofu.org/scaleway/scaleway"
OUTSCALE = "registry.terraform.io/outscale/outscale"
OPENSTACK = "registry.opentofu.org/terraform-provider-openstack/openstack"


def constant(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def tf_plan(
    resources: list[tuple[str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]],
    providers: dict[str, tuple[str, dict[str, Any]]],
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A plan: each resource is (type, name, provider key, after, after_unknown, configured expressions);
    each provider configuration is key -> (source, expressions)."""
    changes, configured = [], []
    for type_, name, key, after, unknown, expressions in resources:
        address = f"{type_}.{name}"
        source = providers[key][0]
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_name": source,
                "change": {"actions": ["create"], "after": after, "after_unknown": unknown},
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_config_key": key,
                "expressions": expressions,
            }
        )
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                key: {"name": key.split(".")[0], "full_name": source, "expressions": expressions}
                for key, (source, expressions) in providers.items()
            },
            "root_module": {"resources": configured},
        },
    }
    if variables:
        plan["variables"] = {name: {"value": value} for name, value in variables.items()}
    return plan


def resource(
    type_: str,
    name: str,
    key: str,
    after: dict[str, Any],
    unknown: dict[str, Any] | None = None,
    configured: tuple[str, ...] | None = None,
) -> tuple[str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A planned resource whose configuration sets `configured` (by default: every key of `after`)."""
    names = tuple(after) if configured is None else configured
    return type_, name, key, after, unknown or {}, {n: constant(after.get(n)) for n in names}


# === 1. Default endpoints decide ==========================================================================


def test_pulumi_gcp_without_universe_domain_reaches_the_us_default(catalog: Catalog) -> None:
    document = preview(
        step("gcp:sql/databaseInstance:DatabaseInstance", "db", {"region": "t-france-east1"}),
        config={"gcp:project": "hdh", "gcp:region": "t-france-east1"},
    )
    assert findings(document, catalog) == {
        "no-us-controlled-service db": [
            "resource of package 'gcp': its provider sets no universe_domain, so it reaches the default "
            f"hyperapis.test, {HYPER_US}"
        ],
        "qualified-region db": [
            "region 't-france-east1' is SecNumCloud-qualified only through Trusted Cloud; package 'gcp' "
            "reaches that offer only at its own endpoint, but its provider sets no universe_domain, so it "
            "reaches the default hyperapis.test (HyperCloud)"
        ],
    }


def test_pulumi_gcp_with_the_trusted_universe_domain_in_stack_config_passes(catalog: Catalog) -> None:
    document = preview(
        step("gcp:sql/databaseInstance:DatabaseInstance", "db", {"region": "t-france-east1"}),
        step("gcp:storage/bucket:Bucket", "raw", {"location": "T-FRANCE-EAST1"}),
        config={"gcp:universeDomain": "trustedapis.test", "gcp:region": "t-france-east1"},
    )
    assert findings(document, catalog) == {}


def test_pulumi_explicit_provider_decides_by_its_own_universe_domain(catalog: Catalog) -> None:
    document = preview(
        provider_step("gcp", "trusted", {"universeDomain": "trustedapis.test", "region": "t-france-east1"}),
        provider_step("gcp", "plain", {"project": "hdh", "region": "t-france-east1"}),
        step("gcp:compute/disk:Disk", "good", {"zone": "t-france-east1-a"}, explicit("gcp", "trusted")),
        step("gcp:compute/disk:Disk", "bad", {"zone": "t-france-east1-a"}, explicit("gcp", "plain")),
    )
    found = findings(document, catalog)
    assert "no-us-controlled-service good" not in found
    assert "qualified-region good" not in found
    assert "no-us-controlled-service trusted" not in found
    assert found["no-us-controlled-service plain"] == [
        "provider of package 'gcp': its provider sets no universe_domain, so it reaches the default "
        f"hyperapis.test, {HYPER_US}"
    ]
    assert found["no-us-controlled-service bad"] == [
        "resource of package 'gcp': its provider sets no universe_domain, so it reaches the default "
        f"hyperapis.test, {HYPER_US}"
    ]
    assert found["qualified-region bad"] == [
        "region 't-france-east1' is SecNumCloud-qualified only through Trusted Cloud; package 'gcp' "
        "reaches that offer only at its own endpoint, but its provider sets no universe_domain, so it "
        "reaches the default hyperapis.test (HyperCloud)"
    ]


def test_pulumi_universe_domain_as_a_secret_or_a_url_is_read(catalog: Catalog) -> None:
    for value in (
        secret_envelope("trustedapis.test"),
        "https://compute.trustedapis.test/",
        "TRUSTEDAPIS.TEST.",
    ):
        document = preview(
            provider_step("gcp", "p", {"universeDomain": value, "region": "t-france-east1"}),
            step("gcp:compute/disk:Disk", "d", {"zone": "t-france-east1-b"}, explicit("gcp", "p")),
        )
        assert findings(document, catalog) == {}, value


def test_pulumi_universe_domain_set_to_the_us_default_or_an_unlisted_domain(catalog: Catalog) -> None:
    document = preview(
        provider_step("gcp", "us", {"universeDomain": "hyperapis.test"}),
        provider_step("gcp", "odd", {"universeDomain": "cloud.example.org"}),
    )
    found = findings(document, catalog)
    assert found["no-us-controlled-service us"] == [
        f"provider of package 'gcp': its provider's universe_domain is hyperapis.test, {HYPER_US}",
        "universe_domain points at hyperapis.test, a host of HyperCloud, operated by Hyper LLC (US), "
        "US-controlled",
    ]
    assert found["no-us-controlled-service odd"] == [
        "provider of package 'gcp': its provider's universe_domain is cloud.example.org, which no offer "
        "the catalog lists for this package serves, so its operator cannot be shown to be non-US"
    ]


def test_pulumi_universe_domain_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    document = preview(
        provider_step("gcp", "p", {"universeDomain": PULUMI_UNKNOWN, "region": "t-france-east1"}),
        step("gcp:compute/disk:Disk", "d", {"zone": "t-france-east1-a"}, explicit("gcp", "p")),
    )
    found = findings(document, catalog)
    assert found["no-us-controlled-service d"] == [
        "the universe_domain of provider 'gcp' is not known (set at apply time, or its configuration is not "
        "in the input), so the offer this resource reaches cannot be shown to be non-US (unknown)"
    ]
    assert found["qualified-region d"] == [
        "the universe_domain of provider 'gcp' is not known (set at apply time, or its configuration is not "
        "in the input), so the offer serving the region cannot be known (unknown)"
    ]


def test_a_package_that_reaches_only_the_us_offer_needs_no_setting(catalog: Catalog) -> None:
    """google-native is the hyperscaler's only: US whatever its settings say."""
    document = preview(step("google-native:compute/v1:Disk", "d", {"zone": "t-france-east1-a"}))
    found = findings(document, catalog)
    assert found["no-us-controlled-service d"] == [
        "resource of package 'google-native': its provider sets no universe_domain, so it reaches the "
        f"default hyperapis.test, {HYPER_US}"
    ]


def test_terraform_google_without_universe_domain_is_google(catalog: Catalog) -> None:
    for source, type_ in ((GOOGLE, "google_compute_disk"), (GOOGLE_BETA, "google_compute_disk")):
        document = tf_plan(
            [resource(type_, "data", "google", {"zone": "t-france-east1-a", "size": 50})],
            {"google": (source, {"project": constant("hdh"), "region": constant("t-france-east1")})},
        )
        found = findings(document, catalog)
        package = source.split("/", 1)[1]
        assert found == {
            "no-us-controlled-service google": [
                f"provider of package {package!r}: its provider sets no universe_domain, so it reaches the "
                f"default hyperapis.test, {HYPER_US}"
            ],
            "no-us-controlled-service data": [
                f"resource of package {package!r}: its provider sets no universe_domain, so it reaches the "
                f"default hyperapis.test, {HYPER_US}"
            ],
            "qualified-region data": [
                "region 't-france-east1' is SecNumCloud-qualified only through Trusted Cloud; package "
                f"{package!r} reaches that offer only at its own endpoint, but its provider sets no "
                "universe_domain, so it reaches the default hyperapis.test (HyperCloud)"
            ],
        }


def test_terraform_google_with_the_trusted_universe_domain_passes(catalog: Catalog) -> None:
    document = tf_plan(
        [
            resource("google_compute_disk", "data", "google", {"zone": "t-france-east1-a", "size": 50}),
            resource("google_storage_bucket", "raw", "google", {"location": "T-FRANCE-EAST1"}),
        ],
        {
            "google": (
                GOOGLE,
                {"universe_domain": constant("trustedapis.test"), "region": constant("t-france-east1")},
            )
        },
    )
    assert findings(document, catalog) == {}


def test_terraform_universe_domain_from_a_variable(catalog: Catalog) -> None:
    providers = {
        "google": (
            GOOGLE,
            {"universe_domain": {"references": ["var.universe"]}, "region": constant("t-france-east1")},
        )
    }
    disk = resource("google_compute_disk", "data", "google", {"size": 50})
    assert findings(tf_plan([disk], providers, {"universe": "trustedapis.test"}), catalog) == {}
    found = findings(tf_plan([disk], providers, {"universe": "hyperapis.test"}), catalog)
    assert found["no-us-controlled-service google"][0] == (
        "provider of package 'hashicorp/google': its provider's universe_domain is hyperapis.test, "
        f"{HYPER_US}"
    )
    assert found["no-us-controlled-service data"] == [
        "resource of package 'hashicorp/google': its provider's universe_domain is hyperapis.test, "
        f"{HYPER_US}"
    ]


def test_terraform_universe_domain_from_a_resource_is_unknown(catalog: Catalog) -> None:
    document = tf_plan(
        [resource("google_compute_disk", "data", "google", {"zone": "t-france-east1-a"})],
        {
            "google": (
                GOOGLE,
                {"universe_domain": {"references": ["data.vault_generic_secret.gcp.data"]}},
            )
        },
    )
    found = findings(document, catalog)
    assert found["no-us-controlled-service data"] == [
        "the universe_domain of provider 'hashicorp/google' is not known (set at apply time, or its "
        "configuration is not in the input), so the offer this resource reaches cannot be shown to be "
        "non-US (unknown)"
    ]
    assert [m.endswith("(unknown)") for m in found["qualified-region data"]] == [True]


def test_opentofu_resource_that_may_use_configurations_with_different_universes(catalog: Catalog) -> None:
    """OpenTofu's `provider_config_keys` (a resource whose provider is chosen per instance): one region,
    two universe domains. Which one applies is not known."""
    region = constant("t-france-east1")
    document = tf_plan(
        [resource("google_compute_disk", "data", "google.trusted", {"zone": "t-france-east1-a"})],
        {
            "google.trusted": (GOOGLE, {"universe_domain": constant("trustedapis.test"), "region": region}),
            "google.plain": (GOOGLE, {"region": region}),
        },
    )
    configured = document["configuration"]["root_module"]["resources"][0]
    configured["provider_config_keys"] = ["google.trusted", "google.plain"]
    del configured["provider_config_key"]
    found = findings(document, catalog)
    assert found["no-us-controlled-service data"] == [
        "the universe_domain of provider 'hashicorp/google' is not known (set at apply time, or its "
        "configuration is not in the input), so the offer this resource reaches cannot be shown to be "
        "non-US (unknown)"
    ]
    same = tf_plan(
        [resource("google_compute_disk", "data", "google.a", {"zone": "t-france-east1-a"})],
        {
            "google.a": (GOOGLE, {"universe_domain": constant("trustedapis.test"), "region": region}),
            "google.b": (GOOGLE, {"universe_domain": constant("trustedapis.test"), "region": region}),
        },
    )
    configured = same["configuration"]["root_module"]["resources"][0]
    configured["provider_config_keys"] = ["google.a", "google.b"]
    del configured["provider_config_key"]
    assert findings(same, catalog) == {}


def test_terraform_state_shows_no_provider_configuration_so_the_universe_is_unknown(catalog: Catalog) -> None:
    """`terraform show -json` of a state carries no provider configuration: no default is assumed."""
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "google_compute_disk.data",
                        "mode": "managed",
                        "type": "google_compute_disk",
                        "name": "data",
                        "provider_name": GOOGLE,
                        "values": {"zone": "t-france-east1-a", "size": 50},
                        "sensitive_values": {},
                    }
                ]
            }
        },
    }
    found = findings(state, catalog)
    assert found["no-us-controlled-service data"] == [
        "the universe_domain of provider 'hashicorp/google' is not known (set at apply time, or its "
        "configuration is not in the input), so the offer this resource reaches cannot be shown to be "
        "non-US (unknown)"
    ]
    assert [m.endswith("(unknown)") for m in found["qualified-region data"]] == [True]


def _export(provider_inputs: dict[str, Any]) -> dict[str, Any]:
    """A `pulumi stack export` (deployment v3) with one explicit gcp provider and a disk it manages."""
    provider_urn = _urn("pulumi:providers:gcp", "s3")
    disk_urn = _urn("gcp:compute/disk:Disk", "data")
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-12-04T10:00:00Z", "magic": "", "version": "v3.140.0"},
            "resources": [
                {
                    "urn": _urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}"),
                    "custom": False,
                    "type": "pulumi:pulumi:Stack",
                },
                {
                    "urn": provider_urn,
                    "custom": True,
                    "id": "1c6f1b4e",
                    "type": "pulumi:providers:gcp",
                    "inputs": provider_inputs,
                    "outputs": provider_inputs,
                },
                {
                    "urn": disk_urn,
                    "custom": True,
                    "id": "projects/hdh/zones/t-france-east1-a/disks/data",
                    "type": "gcp:compute/disk:Disk",
                    "inputs": {"zone": "t-france-east1-a", "size": 50},
                    "outputs": {"zone": "t-france-east1-a", "size": 50},
                    "provider": f"{provider_urn}::1c6f1b4e",
                },
            ],
        },
    }


def test_pulumi_stack_export_reads_the_providers_universe_domain(catalog: Catalog) -> None:
    assert findings(_export({"universeDomain": "trustedapis.test", "project": "hdh"}), catalog) == {}
    found = findings(_export({"project": "hdh"}), catalog)
    assert found["no-us-controlled-service data"] == [
        "resource of package 'gcp': its provider sets no universe_domain, so it reaches the default "
        f"hyperapis.test, {HYPER_US}"
    ]
    assert found["qualified-region data"] == [
        "zone 't-france-east1-a' (region t-france-east1) is SecNumCloud-qualified only through Trusted "
        "Cloud; package 'gcp' reaches that offer only at its own endpoint, but its provider sets no "
        "universe_domain, so it reaches the default hyperapis.test (HyperCloud)"
    ]


@pytest.mark.slow
def test_the_pack_says_what_the_check_says(tmp_path: Path) -> None:
    """Default endpoints, zones and local-only packages through the CrossGuard pack over real gRPC."""
    document = preview(
        provider_step("gcp", "trusted", {"universeDomain": "trustedapis.test", "region": "t-france-east1"}),
        provider_step("gcp", "plain", {"project": "hdh"}),
        step("gcp:compute/disk:Disk", "good", {"zone": "t-france-east1-a"}, explicit("gcp", "trusted")),
        step("gcp:compute/disk:Disk", "bad", {"zone": "t-france-east1-a"}, explicit("gcp", "plain")),
        step("gcp:storage/bucket:Bucket", "eu", {"location": "EU"}, explicit("gcp", "trusted")),
        step("gcp:compute/instance:Instance", "far", {"zone": "europe-west9-a"}, explicit("gcp", "trusted")),
        step("random:index/randomPassword:RandomPassword", "pw", {"length": 32}),
        step("scaleway:instance/server:Server", "app", {"zone": "nb-par-1"}),
    )
    pack, checked = pack_and_check_verdicts(document, CATALOG, tmp_path, stack=STACK)
    assert pack == checked
    ours = {QUALIFIED_REGION.id, NO_US.id}  # other policies judge these resources too; not the point here
    failing = {(policy, urn.rsplit("::", 1)[-1]) for policy, urn, _ in checked if policy in ours}
    assert failing == {
        ("no-us-controlled-service", "plain"),
        ("no-us-controlled-service", "bad"),
        ("qualified-region", "bad"),
        ("qualified-region", "eu"),
        ("qualified-region", "far"),
        ("qualified-region", "app"),
    }


# === 2. Placement fields other than region ================================================================


def test_multi_region_location_is_not_a_qualified_region(catalog: Catalog) -> None:
    universe = {"gcp:universeDomain": "trustedapis.test"}
    for location in ("EU", "US"):
        document = preview(step("gcp:storage/bucket:Bucket", "raw", {"location": location}), config=universe)
        assert findings(document, catalog) == {
            "qualified-region raw": [f"location {location!r} is not in the sovereignty catalog"]
        }
        tf = tf_plan(
            [resource("google_storage_bucket", "raw", "google", {"location": location, "name": "raw"})],
            {
                "google": (
                    GOOGLE,
                    {"universe_domain": constant("trustedapis.test"), "region": constant("t-france-east1")},
                )
            },
        )
        assert findings(tf, catalog) == {
            "qualified-region raw": [f"location {location!r} is not in the sovereignty catalog"]
        }


def test_a_zone_places_a_resource_in_its_region(catalog: Catalog) -> None:
    """No region anywhere: the zone alone says where the resource is, and the catalog knows its region."""
    document = preview(
        step("gcp:compute/instance:Instance", "vm", {"zone": "t-france-east1-b", "machineType": "e2-small"}),
        step("scaleway:instance/server:Server", "app", {"zone": "nb-par-2", "type": "PRO2-S"}),
        config={"gcp:universeDomain": "trustedapis.test"},
    )
    found = findings(document, catalog)
    assert "qualified-region vm" not in found
    assert found["qualified-region app"] == [
        "zone 'nb-par-2' (region nb-par) is not SecNumCloud-qualified: nb-par (Nimbus Cloud): SecNumCloud "
        "qualification in progress since 2025-01, not qualified"
    ]


def test_a_zone_of_another_region_is_a_finding(catalog: Catalog) -> None:
    pulumi = preview(
        provider_step("scaleway", "par", {"region": "nb-par"}),
        step("scaleway:instance/server:Server", "app", {"zone": "nb-ams-1"}, explicit("scaleway", "par")),
    )
    expected_zone = "zone 'nb-ams-1' is in region nb-ams, not in region 'nb-par': the resource lands there"
    in_progress = (
        "region 'nb-par' is not SecNumCloud-qualified: nb-par (Nimbus Cloud): SecNumCloud qualification in "
        "progress since 2025-01, not qualified"
    )
    assert findings(pulumi, catalog)["qualified-region app"] == [expected_zone, in_progress]
    terraform = tf_plan(
        [resource("scaleway_instance_server", "app", "scaleway", {"zone": "nb-ams-1", "type": "PRO2-S"})],
        {"scaleway": (SCALEWAY, {"region": constant("nb-par")})},
    )
    assert findings(terraform, catalog)["qualified-region app"] == [expected_zone, in_progress]


def test_the_providers_zone_of_another_region_is_a_finding(catalog: Catalog) -> None:
    """A resource that sets no placement of its own lands where its provider's zone says."""
    terraform = tf_plan(
        [resource("scaleway_instance_server", "app", "scaleway", {"type": "PRO2-S"})],
        {"scaleway": (SCALEWAY, {"region": constant("nb-par"), "zone": constant("nb-ams-1")})},
    )
    assert findings(terraform, catalog)["qualified-region app"][0] == (
        "zone 'nb-ams-1' is in region nb-ams, not in region 'nb-par': the resource lands there"
    )


def test_a_zone_the_region_does_not_list_is_a_finding(catalog: Catalog) -> None:
    universe = {"gcp:universeDomain": "trustedapis.test", "gcp:region": "t-france-east1"}
    document = preview(
        step("gcp:compute/instance:Instance", "vm", {"zone": "europe-west9-a"}), config=universe
    )
    assert findings(document, catalog) == {
        "qualified-region vm": [
            "zone 'europe-west9-a' is not one of the zones the catalog lists for region 't-france-east1'"
        ]
    }


def test_outscale_subregion_name(catalog: Catalog) -> None:
    good = tf_plan(
        [resource("outscale_volume", "data", "outscale", {"subregion_name": "gov-west-1a", "size": 50})],
        {"outscale": (OUTSCALE, {"region": constant("gov-west-1")})},
    )
    assert findings(good, catalog) == {}
    moved = tf_plan(
        [resource("outscale_volume", "data", "outscale", {"subregion_name": "pub-west-2a", "size": 50})],
        {"outscale": (OUTSCALE, {"region": constant("gov-west-1")})},
    )
    assert findings(moved, catalog) == {
        "qualified-region data": [
            "subregion_name 'pub-west-2a' is in region pub-west-2, not in region 'gov-west-1': the resource "
            "lands there"
        ]
    }
    alone = tf_plan(
        [resource("outscale_volume", "data", "outscale", {"subregion_name": "pub-west-2a", "size": 50})],
        {"outscale": (OUTSCALE, {})},
    )
    assert findings(alone, catalog) == {
        "qualified-region data": [
            "subregion_name 'pub-west-2a' (region pub-west-2) is not SecNumCloud-qualified for this provider"
        ]
    }


def test_operator_named_availability_zones_are_not_judged_where_the_catalog_lists_none(
    catalog: Catalog,
) -> None:
    """OpenStack's `nova`: the catalog cannot know an operator's zone names, the region decides."""
    pulumi = preview(
        step("openstack:compute/instance:Instance", "vm", {"availabilityZone": "nova", "flavorName": "b2-7"}),
        config={"openstack:region": "SNC-PAR-1"},
    )
    assert findings(pulumi, catalog) == {}
    terraform = tf_plan(
        [resource("openstack_compute_instance_v2", "vm", "openstack", {"availability_zone": "nova"})],
        {"openstack": (OPENSTACK, {"region": constant("SNC-PAR-1")})},
    )
    assert findings(terraform, catalog) == {}


def test_an_unset_zone_planned_unknown_is_the_providers(catalog: Catalog) -> None:
    """Terraform plans an unset optional-computed `zone` as unknown: the provider's zone applies."""
    unset = tf_plan(
        [resource("google_compute_disk", "d", "google", {"size": 50}, {"zone": True}, configured=("size",))],
        {
            "google": (
                GOOGLE,
                {"universe_domain": constant("trustedapis.test"), "zone": constant("t-france-east1-a")},
            )
        },
    )
    assert findings(unset, catalog) == {}
    openstack = tf_plan(
        [
            resource(
                "openstack_compute_instance_v2",
                "vm",
                "openstack",
                {"flavor_name": "b2-7"},
                {"availability_zone": True, "region": True},
                configured=("flavor_name",),
            )
        ],
        {"openstack": (OPENSTACK, {"region": constant("SNC-PAR-1")})},
    )
    assert findings(openstack, catalog) == {}


def test_a_configured_zone_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    configured = tf_plan(
        [
            resource(
                "google_compute_disk",
                "d",
                "google",
                {"size": 50},
                {"zone": True},
                configured=("size", "zone"),
            )
        ],
        {
            "google": (
                GOOGLE,
                {"universe_domain": constant("trustedapis.test"), "region": constant("t-france-east1")},
            )
        },
    )
    assert findings(configured, catalog) == {
        "qualified-region d": [
            "zone is unknown until apply, so it cannot be shown to be in region 't-france-east1' (unknown)"
        ]
    }
    alone = tf_plan(
        [
            resource(
                "google_compute_disk",
                "d",
                "google",
                {"size": 50},
                {"zone": True},
                configured=("size", "zone"),
            )
        ],
        {"google": (GOOGLE, {"universe_domain": constant("trustedapis.test")})},
    )
    assert findings(alone, catalog) == {
        "qualified-region d": [
            "region is unknown until apply, so it cannot be shown to be qualified (unknown)"
        ]
    }


def test_location_that_differs_from_region_is_a_finding(catalog: Catalog) -> None:
    document = preview(
        step(
            "gcp:container/cluster:Cluster", "gke", {"region": "t-france-east1", "location": "europe-west9"}
        ),
        config={"gcp:universeDomain": "trustedapis.test"},
    )
    assert findings(document, catalog) == {
        "qualified-region gke": [
            "location 'europe-west9' is not in the sovereignty catalog, and differs from region "
            "'t-france-east1'"
        ]
    }


# === 10. Local-only packages have no region ===============================================================

LOCAL_TERRAFORM = [
    ("random_password", "registry.terraform.io/hashicorp/random", {"length": 32}),
    ("tls_private_key", "registry.terraform.io/hashicorp/tls", {"algorithm": "ED25519"}),
    ("null_resource", "registry.terraform.io/hashicorp/null", {"triggers": {"a": "b"}}),
    ("time_sleep", "registry.terraform.io/hashicorp/time", {"create_duration": "30s"}),
    ("local_file", "registry.terraform.io/hashicorp/local", {"filename": "out.txt"}),
    ("archive_file", "registry.opentofu.org/hashicorp/archive", {"type": "zip"}),
    ("template_dir", "registry.terraform.io/hashicorp/template", {"source_dir": "tpl"}),
    ("terraform_data", "terraform.io/builtin/terraform", {"input": "x"}),
]


@pytest.mark.parametrize(("type_", "source", "after"), LOCAL_TERRAFORM)
def test_terraform_local_only_resources_get_no_region_finding(
    catalog: Catalog, type_: str, source: str, after: dict[str, Any]
) -> None:
    document = tf_plan([resource(type_, "x", "local", after)], {"local": (source, {})})
    assert findings(document, catalog) == {}


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        ("random:index/randomPassword:RandomPassword", {"length": 32}),
        ("tls:index/privateKey:PrivateKey", {"algorithm": "ED25519"}),
        ("command:local:Command", {"create": "make"}),
        ("time:index/sleep:Sleep", {"createDuration": "30s"}),
        ("cloudinit:index/config:Config", {"parts": []}),
    ],
)
def test_pulumi_local_only_resources_get_no_region_finding(
    catalog: Catalog, type_token: str, inputs: dict[str, Any]
) -> None:
    assert findings(preview(step(type_token, "x", inputs)), catalog) == {}


REAL = Path(__file__).parent / "fixtures" / "real"
REAL_LOCAL_ONLY = [
    "terraform-json/moved_block__plan.json",  # random_pet
    "terraform-json/has_checks__plan.json",  # local_file
    "terraform-json/action_reason__plan.json",  # null_resource
    "terraform/cloud__testdata__plan-import-config-gen__plan-redacted.json",  # terraform_data
    "pulumi-random/index_randompassword__4.16.0__stack.json",
    "pulumi-random/index_randomstring__4.16.0__stack.json",
    "pulumi-tls/index_privatekey__5.0.2__stack.json",
    "pulumi-tls/index_certrequest__5.0.2__stack.json",
]


@pytest.mark.parametrize("name", REAL_LOCAL_ONLY)
def test_real_files_of_local_only_packages_pass(catalog: Catalog, name: str) -> None:
    """Files the real tools wrote (tests/fixtures/real): a stack of random passwords, TLS keys, local files
    and `terraform_data` is compliant."""
    from souverain.readers import read_plan

    plan = read_plan(REAL / name)
    assert [r for r in plan.resources if r.is_cloud_resource]  # the file does hold resources
    evaluation = evaluate(plan.resources, catalog, [QUALIFIED_REGION, NO_US])
    assert list(evaluation.findings) == []


def test_an_unknown_package_still_fails_closed(catalog: Catalog) -> None:
    pulumi = findings(preview(step("acmecloud:index/disk:Disk", "x", {"size": 5})), catalog)
    assert pulumi["qualified-region x"] == [
        "no region is set on the resource or its provider, so it cannot be shown to be qualified"
    ]
    assert pulumi["no-us-controlled-service x"] == [
        "provider 'acmecloud' is not in the catalog, so its operator cannot be shown to be non-US"
    ]
    terraform = findings(
        tf_plan(
            [resource("acme_disk", "x", "acme", {"size": 5})],
            {"acme": ("registry.terraform.io/acme/acme", {})},
        ),
        catalog,
    )
    assert terraform["qualified-region x"] == [
        "no region is set on the resource or its provider, so it cannot be shown to be qualified"
    ]


# === Qualification in progress ============================================================================


def test_in_progress_is_named_and_never_counts(catalog: Catalog) -> None:
    pulumi = preview(
        step("scaleway:databases/instance:Instance", "pg", {"region": "nb-par", "engine": "PostgreSQL-16"}),
    )
    message = (
        "region 'nb-par' is not SecNumCloud-qualified: nb-par (Nimbus Cloud): SecNumCloud qualification in "
        "progress since 2025-01, not qualified"
    )
    assert findings(pulumi, catalog) == {"qualified-region pg": [message]}
    terraform = tf_plan(
        [resource("scaleway_rdb_instance", "pg", "scaleway", {"engine": "PostgreSQL-16"})],
        {"scaleway": (SCALEWAY, {"region": constant("nb-par"), "zone": constant("nb-par-1")})},
    )
    assert findings(terraform, catalog) == {"qualified-region pg": [message]}
    # HDS is held in nb-par: health data adds nothing there, and is missing in nb-ams.
    assert findings(pulumi, catalog, health_data=True) == {"qualified-region pg": [message]}
    ams = preview(step("scaleway:databases/instance:Instance", "pg", {"region": "nb-ams"}))
    assert findings(ams, catalog, health_data=True) == {
        "qualified-region pg": [
            "region 'nb-ams' is not SecNumCloud-qualified: nb-ams (Nimbus Cloud): SecNumCloud qualification "
            "in progress since 2025-01, not qualified",
            "region 'nb-ams' is not HDS-certified, and the stack holds health data",
        ]
    }
