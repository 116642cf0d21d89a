"""Fail closed on values unknown at plan time, end to end through `souverain check` on plan files.

Each case is a plan whose only problem is one value the plan cannot know yet (Pulumi's unknown sentinel,
Terraform's `after_unknown`), read by the policy that needs it. By default the check fails (exit 1) on a
mandatory finding marked `unknown`; `--unknowns advisory` makes that finding advisory and the check
passes; a policy's own `"unknowns"` property in the policy config does the same for that policy only.
`admin_pass` is the exception: it must not be set at all, so an unknown one is a plain mandatory finding.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_support import SMALL_CATALOG, secret_envelope

from souverain.readers._common import PULUMI_UNKNOWN

AUTH_URL = "https://auth.snc.acme.test/v3"
STACK = "dev"
PROJECT = "proj"
DEFAULT_PROVIDER = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:openstack::default_5_5_3"
EXPLICIT_PROVIDER = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:openstack::par"
PROVIDER_ID = "6f1c2b9e-4d0a-4f3b-9a51-2c7d8e0f1a34"
ADMIN_RANGE = "198.51.100.0/24"
TF_SOURCE = "registry.opentofu.org/terraform-provider-openstack/openstack"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


def step(
    type_token: str, name: str, inputs: dict[str, Any], provider: str = DEFAULT_PROVIDER
) -> dict[str, Any]:
    address = urn(type_token, name)
    state = {"urn": address, "custom": True, "type": type_token, "inputs": inputs, "outputs": inputs}
    return {"op": "create", "urn": address, "provider": f"{provider}::{PROVIDER_ID}", "newState": state}


def preview(*steps: dict[str, Any], config: dict[str, str] | None = None) -> dict[str, Any]:
    """A `pulumi preview --json` whose default provider is configured by the stack config."""
    stack: dict[str, Any] = {"op": "same", "urn": urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}")}
    stack["newState"] = {"urn": stack["urn"], "custom": False, "type": "pulumi:pulumi:Stack"}
    return {
        "config": config
        if config is not None
        else {"openstack:region": "SNC-PAR-1", "openstack:authUrl": AUTH_URL},
        "steps": [stack, *steps],
        "changeSummary": {"create": len(steps)},
    }


def explicit_provider(**inputs: Any) -> dict[str, Any]:
    return step("pulumi:providers:openstack", "par", {"authUrl": AUTH_URL, "region": "SNC-PAR-1", **inputs})


VOLUME = "openstack:blockstorage/volume:Volume"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"


def volume(**inputs: Any) -> dict[str, Any]:
    return step(VOLUME, "data", {"size": 10, "volumeType": "classic-luks", **inputs})


def rule(**inputs: Any) -> dict[str, Any]:
    defaults = {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "portRangeMin": 443}
    return step(RULE, "https", {**defaults, "portRangeMax": 443, "remoteIpPrefix": "10.0.0.0/8", **inputs})


def terraform(
    resource_type: str,
    after: dict[str, Any],
    after_unknown: dict[str, Any],
    *,
    configured: tuple[str, ...] = (),
    provider: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `tofu show -json` plan of one resource; `configured` names the attributes its configuration
    sets (Terraform plans an unset optional-computed attribute as unknown too)."""
    address = f"{resource_type}.this"
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": resource_type,
                "name": "this",
                "provider_name": TF_SOURCE,
                "change": {"actions": ["create"], "after": after, "after_unknown": after_unknown},
            }
        ],
        "configuration": {
            "provider_config": {
                "openstack": {
                    "name": "openstack",
                    "full_name": TF_SOURCE,
                    "expressions": provider
                    or {"region": {"constant_value": "SNC-PAR-1"}, "auth_url": {"constant_value": AUTH_URL}},
                }
            },
            "root_module": {
                "resources": [
                    {
                        "address": address,
                        "mode": "managed",
                        "type": resource_type,
                        "name": "this",
                        "provider_config_key": "openstack",
                        "expressions": {name: {"references": ["local.x"]} for name in configured},
                    }
                ]
            },
        },
    }


TF_VOLUME = "openstack_blockstorage_volume_v3"
TF_RULE = "openstack_networking_secgroup_rule_v2"
TF_INSTANCE = "openstack_compute_instance_v2"
TF_RULE_AFTER = {
    "direction": "ingress",
    "ethertype": "IPv4",
    "protocol": "tcp",
    "port_range_min": 443,
    "port_range_max": 443,
}


@dataclass(frozen=True)
class Case:
    document: dict[str, Any]
    policies: frozenset[str]
    """The policies whose finding the unknown value forces (and nothing else fails)."""
    admin_ranges: bool = False
    paths: frozenset[str] = field(default_factory=frozenset)


CASES: dict[str, Case] = {
    # -- Pulumi preview: the unknown sentinel ---------------------------------------------------------------
    "preview: a volume's own region": Case(
        preview(volume(region=PULUMI_UNKNOWN)), frozenset({"qualified-region", "encrypted-storage"})
    ),
    "preview: the provider's region": Case(
        preview(explicit_provider(region=PULUMI_UNKNOWN), volume() | {"provider": f"{EXPLICIT_PROVIDER}::x"}),
        frozenset({"qualified-region", "encrypted-storage"}),
    ),
    "preview: a volume's volume_type": Case(
        preview(volume(volumeType=PULUMI_UNKNOWN)),
        frozenset({"encrypted-storage"}),
        paths=frozenset({"volume_type"}),
    ),
    "preview: a boot volume's volume_type": Case(
        preview(
            step(
                INSTANCE,
                "vm",
                {
                    "flavorName": "b2-7",
                    "blockDevices": [
                        {"sourceType": "image", "destinationType": "volume", "volumeType": PULUMI_UNKNOWN}
                    ],
                },
            )
        ),
        frozenset({"encrypted-storage"}),
        paths=frozenset({"block_devices[0].volume_type"}),
    ),
    "preview: a rule's remote_ip_prefix": Case(
        preview(rule(remoteIpPrefix=PULUMI_UNKNOWN)),
        frozenset({"no-public-ingress"}),
        paths=frozenset({"remote_ip_prefix"}),
    ),
    "preview: a public rule's direction": Case(
        preview(rule(direction=PULUMI_UNKNOWN, remoteIpPrefix="0.0.0.0/0")), frozenset({"no-public-ingress"})
    ),
    "preview: the ports of a rule from an admin range": Case(
        preview(rule(remoteIpPrefix=ADMIN_RANGE, portRangeMin=PULUMI_UNKNOWN, portRangeMax=PULUMI_UNKNOWN)),
        frozenset({"no-public-ingress"}),
        admin_ranges=True,
    ),
    "preview: the provider's auth_url": Case(
        preview(
            explicit_provider(authUrl=PULUMI_UNKNOWN), volume() | {"provider": f"{EXPLICIT_PROVIDER}::x"}
        ),
        frozenset({"qualified-endpoint"}),
        paths=frozenset({"auth_url"}),
    ),
    "preview: a secret auth_url whose value is unknown": Case(
        preview(
            explicit_provider(authUrl=secret_envelope(PULUMI_UNKNOWN)),
            volume() | {"provider": f"{EXPLICIT_PROVIDER}::x"},
        ),
        frozenset({"qualified-endpoint"}),
    ),
    # -- Terraform: after_unknown ---------------------------------------------------------------------------
    "terraform: a configured region": Case(
        terraform(
            TF_VOLUME, {"size": 10, "volume_type": "classic-luks"}, {"region": True}, configured=("region",)
        ),
        frozenset({"qualified-region", "encrypted-storage"}),
    ),
    "terraform: a volume_type": Case(
        terraform(TF_VOLUME, {"size": 10}, {"volume_type": True}, configured=("volume_type",)),
        frozenset({"encrypted-storage"}),
    ),
    "terraform: a rule's remote_ip_prefix": Case(
        terraform(TF_RULE, TF_RULE_AFTER, {"remote_ip_prefix": True}, configured=("remote_ip_prefix",)),
        frozenset({"no-public-ingress"}),
    ),
    "terraform: the provider's auth_url from a resource attribute": Case(
        terraform(
            TF_VOLUME,
            {"size": 10, "volume_type": "classic-luks"},
            {},
            provider={
                "region": {"constant_value": "SNC-PAR-1"},
                "auth_url": {"references": ["data.vault_generic_secret.os.data"]},
            },
        ),
        frozenset({"qualified-endpoint"}),
    ),
}


def _check(
    tmp_path: Path, document: dict[str, Any], *options: str, config: dict[str, Any] | None = None
) -> Any:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    args = ["check", str(plan), "--format", "json", "--catalog", str(SMALL_CATALOG), "--replace-catalog"]
    if config is not None:
        path = tmp_path / "policy-config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        args += ["--policy-config", str(path)]
    from souverain.cli.main import main

    result = CliRunner().invoke(main, [*args, *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stderr == ""
    return result


def _findings(result: Any) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return findings


def _config(case: Case, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = dict(extra)
    if case.admin_ranges:
        config["no-public-ingress"] = {**config.get("no-public-ingress", {}), "adminRanges": [ADMIN_RANGE]}
    return config


@pytest.mark.parametrize("name", CASES)
def test_an_unknown_value_fails_the_check_by_default(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    result = _check(tmp_path, case.document, config=_config(case))
    findings = _findings(result)
    assert result.exit_code == 1, findings
    assert {f["policy"] for f in findings} == case.policies
    assert all(f["unknown"] and f["enforcement"] == "mandatory" for f in findings), findings
    if case.paths:
        assert {f["path"] for f in findings} == case.paths


@pytest.mark.parametrize("name", CASES)
def test_unknowns_advisory_makes_those_findings_advisory_and_passes(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    result = _check(tmp_path, case.document, "--unknowns", "advisory", config=_config(case))
    findings = _findings(result)
    assert result.exit_code == 0, findings
    assert {f["policy"] for f in findings} == case.policies
    assert all(f["unknown"] and f["enforcement"] == "advisory" for f in findings), findings
    assert json.loads(result.stdout)["summary"]["unknown"] == len(findings)


def test_a_policys_own_unknowns_property_applies_to_that_policy_only(tmp_path: Path) -> None:
    case = CASES["preview: a volume's own region"]
    config = _config(case, **{"encrypted-storage": {"unknowns": "advisory"}})
    findings = _findings(_check(tmp_path, case.document, config=config))
    levels = {f["policy"]: f["enforcement"] for f in findings}
    assert levels == {"encrypted-storage": "advisory", "qualified-region": "mandatory"}
    config = _config(case, **{"qualified-region": {"unknowns": "fail"}})
    result = _check(tmp_path, case.document, "--unknowns", "advisory", config=config)
    assert result.exit_code == 1
    assert {f["policy"]: f["enforcement"] for f in _findings(result)} == {
        "encrypted-storage": "advisory",
        "qualified-region": "mandatory",
    }


def test_the_cases_are_clean_once_the_value_is_known(tmp_path: Path) -> None:
    """The baseline each case starts from passes: the unknown value is the only thing that fails it."""
    clean = [
        preview(volume()),
        preview(explicit_provider(), volume() | {"provider": f"{EXPLICIT_PROVIDER}::x"}),
        preview(rule()),
        preview(rule(remoteIpPrefix=ADMIN_RANGE, portRangeMin=22, portRangeMax=22)),
        terraform(TF_VOLUME, {"size": 10, "volume_type": "classic-luks", "region": "SNC-PAR-1"}, {}),
        terraform(TF_RULE, {**TF_RULE_AFTER, "remote_ip_prefix": "10.0.0.0/8"}, {}),
    ]
    for document in clean:
        result = _check(tmp_path, document, config={"no-public-ingress": {"adminRanges": [ADMIN_RANGE]}})
        assert result.exit_code == 0, _findings(result)


def test_a_region_terraform_plans_unknown_only_because_it_is_unset_is_the_providers(tmp_path: Path) -> None:
    """An optional-computed `region` the configuration leaves unset is in after_unknown too; the provider's
    region is the one that applies, so it is judged, and passes."""
    document = terraform(TF_VOLUME, {"size": 10, "volume_type": "classic-luks"}, {"region": True})
    result = _check(tmp_path, document)
    assert result.exit_code == 0, _findings(result)
    assert json.loads(result.stdout)["resources"][-1]["region"] == "SNC-PAR-1"


@pytest.mark.parametrize(
    "document",
    [
        preview(step(INSTANCE, "vm", {"flavorName": "b2-7", "adminPass": PULUMI_UNKNOWN})),
        terraform(TF_INSTANCE, {"flavor_name": "b2-7"}, {"admin_pass": True}, configured=("admin_pass",)),
    ],
    ids=["preview", "terraform"],
)
def test_an_unknown_admin_pass_is_refused_whatever_the_unknowns_option(tmp_path: Path, document: Any) -> None:
    result = _check(tmp_path, document, "--unknowns", "advisory")
    assert result.exit_code == 1
    (finding,) = _findings(result)
    assert finding["policy"] == "no-plaintext-secret"
    assert finding["path"] == "admin_pass"
    assert finding["enforcement"] == "mandatory"
    assert not finding["unknown"]


def test_a_vault_server_unknown_to_the_run_fails_the_state_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hashivault secrets provider reads VAULT_SERVER_URL at run time; unset here, it is unknown."""
    from souverain.cli.main import main

    for name in ("VAULT_SERVER_URL", "VAULT_ADDR"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "stacks" / "minimal", project)
    stack_file = project / "Pulumi.dev.yaml"
    text = stack_file.read_text(encoding="utf-8").replace(
        "secretsprovider: passphrase", "secretsprovider: hashivault://k"
    )
    stack_file.write_text(text, encoding="utf-8")
    base = ["check", str(project), "--stack", "dev", "--format", "json", "--catalog", str(SMALL_CATALOG)]
    for options, level in (([], "mandatory"), (["--unknowns", "advisory"], "advisory")):
        result = CliRunner().invoke(main, [*base, *options])
        assert result.exit_code == 1, result.output  # the fixture has other findings
        state = [f for f in _findings(result) if f["policy"] == "sovereign-state-backend"]
        assert [(f["path"], f["unknown"], f["enforcement"]) for f in state] == [
            ("secrets_provider", True, level)
        ]
