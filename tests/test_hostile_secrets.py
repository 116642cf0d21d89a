"""No planted secret leaves `souverain check` or `souverain preview`, in any format, on any stream or file.

Each plan plants distinct secret values everywhere its tool puts secrets: Pulumi secret envelopes in
resource and provider inputs (the wire form `--show-secrets` and policy packs see), the stack export's
ciphertext and its `--show-secrets` plaintext, the preview's `config` map, Terraform `after_sensitive`,
`before_sensitive`, sensitive variables (`configuration.root_module.variables.<name>.sensitive`, the
value itself in clear under `variables`), a state's `sensitive_values`, and provider configuration. The
secrets sit in the values policies quote (a region, a volume type, a CIDR), in resources that have
findings, so a leak would have somewhere to happen. Every report format is run, to stdout and with
`--output`, and stdout, stderr and the written file are searched for each secret, also as JSON and XML
would escape it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from hostile_support import SMALL_CATALOG, secret_envelope

from souverain.readers._common import PULUMI_SECRET_SIG, PULUMI_SIG_KEY

FORMATS = ("text", "json", "sarif", "junit", "gitlab")
TF_SOURCE = "registry.opentofu.org/terraform-provider-openstack/openstack"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::proj::{type_token}::{name}"


def plaintext(value: Any) -> dict[str, str]:
    """A secret as `pulumi stack export --show-secrets` writes it: the value JSON-encoded."""
    return {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "plaintext": json.dumps(value)}


def ciphertext(text: str) -> dict[str, str]:
    return {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "ciphertext": text}


# -- Pulumi preview ---------------------------------------------------------------------------------------

PREVIEW_SECRETS = {
    "admin_pass": "pv-adminpass-Q7#w",
    "region": "PV-REGION-SECRET-9",
    "volume_type": "pv-voltype-secret-3",
    "cidr": "203.0.113.77/32",
    "user_data": "pv-userdata-pw-8x",
    "provider_password": 'pv-provider-pw-é"<&>',
    "auth_url": "https://auth.secret-host-x1.test/v3",
    "config_password": "pv-config-pw-55k",
    "config_masked_key": "proj:dbPassword",
}


def _preview() -> dict[str, Any]:
    secrets = PREVIEW_SECRETS
    provider_urn = urn("pulumi:providers:openstack", "par")
    provider_ref = f"{provider_urn}::6f1c2b9e-4d0a-4f3b-9a51-2c7d8e0f1a34"

    def step(type_token: str, name: str, inputs: dict[str, Any], op: str = "create") -> dict[str, Any]:
        address = urn(type_token, name)
        state = {"urn": address, "custom": True, "type": type_token, "inputs": inputs}
        key = "oldState" if op == "delete" else "newState"
        return {"op": op, "urn": address, "provider": provider_ref, key: state}

    provider = step(
        "pulumi:providers:openstack",
        "par",
        {
            "authUrl": secret_envelope(secrets["auth_url"]),
            "password": secret_envelope(secrets["provider_password"]),
            "region": "SNC-PAR-1",
            "userName": "deploy",
        },
    )
    provider.pop("provider")
    return {
        "config": {
            "openstack:region": "SNC-PAR-1",
            # `pulumi preview --json --show-secrets` writes secret config in clear, unmarked.
            "openstack:password": secrets["config_password"],
            secrets["config_masked_key"]: "[secret]",
        },
        "steps": [
            provider,
            step(
                "openstack:compute/instance:Instance",
                "vm",
                {
                    "flavorName": "b2-7",
                    "adminPass": secret_envelope(secrets["admin_pass"]),
                    "userData": secret_envelope(f"#cloud-config\npassword: {secrets['user_data']}\n"),
                },
            ),
            step(
                "openstack:blockstorage/volume:Volume",
                "data",
                {"size": 10, "region": secret_envelope(secrets["region"])},
            ),
            step(
                "openstack:blockstorage/volume:Volume",
                "logs",
                {"size": 10, "volumeType": secret_envelope(secrets["volume_type"])},
            ),
            step(
                "openstack:networking/secGroupRule:SecGroupRule",
                "in",
                {
                    "direction": "ingress",
                    "protocol": "tcp",
                    "remoteIpPrefix": secret_envelope(secrets["cidr"]),
                },
            ),
        ],
    }


# -- Pulumi stack export -------------------------------------------------------------------------------------

STATE_SECRETS = {
    "ciphertext": "v1:stateCIPHERtext0123:abcdef==",
    "plain_password": "st-plain-pw-2q",
    "plain_nested": "st-plain-nested-pw",
    "plain_region": "ST-REGION-SECRET-4",
    "provider_plain": "st-provider-pw-77",
    "provider_cipher": "v1:providerCIPHER9:zz==",
}


def _state() -> dict[str, Any]:
    secrets = STATE_SECRETS
    provider_urn = urn("pulumi:providers:openstack", "default_5_5_3")
    provider_ref = f"{provider_urn}::d2a4c8e1-7b3f-4e90-8c16-5a9f0b2e7d43"

    def resource(type_token: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "urn": urn(type_token, name),
            "custom": True,
            "id": name,
            "type": type_token,
            "inputs": inputs,
            "outputs": inputs,
            "provider": provider_ref,
            **extra,
        }

    provider = resource(
        "pulumi:providers:openstack",
        "default_5_5_3",
        {
            "authUrl": "https://auth.snc.acme.test/v3",
            "region": "SNC-PAR-1",
            "password": plaintext(secrets["provider_plain"]),
            "token": ciphertext(secrets["provider_cipher"]),
        },
    )
    provider.pop("provider")
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-01-01T00:00:00Z", "version": "v3.272.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:salt"}},
            "resources": [
                {
                    "urn": urn("pulumi:pulumi:Stack", "proj-dev"),
                    "custom": False,
                    "type": "pulumi:pulumi:Stack",
                },
                provider,
                resource(
                    "openstack:compute/instance:Instance",
                    "vm",
                    {
                        "flavorName": "b2-7",
                        "adminPass": ciphertext(secrets["ciphertext"]),
                        "metadata": plaintext({"db": {"user": "app", "password": secrets["plain_nested"]}}),
                        "personality": plaintext(secrets["plain_password"]),
                    },
                ),
                resource(
                    "openstack:blockstorage/volume:Volume",
                    "data",
                    {"size": 10, "region": plaintext(secrets["plain_region"])},
                    delete=True,
                ),
            ],
        },
    }


# -- Terraform / OpenTofu -----------------------------------------------------------------------------------

TF_SECRETS = {
    "admin_pass": "tf-adminpass-Zk2",
    "region": "TF-REGION-SECRET-6",
    "volume_type": "tf-voltype-secret-1",
    "before": "tf-before-secret-vol",
    "variable": "tf-var-pw-\\n-9f3a",
    "unused_variable": "tf-unused-var-pw-1",
    "provider_constant": "tf-provider-constant-pw",
}


def _terraform() -> dict[str, Any]:
    secrets = TF_SECRETS

    def change(resource_type: str, name: str, actions: list[str], **body: Any) -> dict[str, Any]:
        return {
            "address": f"{resource_type}.{name}",
            "mode": "managed",
            "type": resource_type,
            "name": name,
            "provider_name": TF_SOURCE,
            "change": {"actions": actions, **body},
        }

    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "variables": {
            "os_password": {"value": secrets["variable"]},
            "unused_password": {"value": secrets["unused_variable"]},
        },
        "resource_changes": [
            change(
                "openstack_compute_instance_v2",
                "vm",
                ["create"],
                after={"flavor_name": "b2-7", "admin_pass": secrets["admin_pass"]},
                after_unknown={"id": True},
                after_sensitive={"admin_pass": True},
            ),
            change(
                "openstack_blockstorage_volume_v3",
                "data",
                ["create"],
                after={"size": 10, "region": secrets["region"], "volume_type": secrets["volume_type"]},
                after_unknown={},
                after_sensitive={"region": True, "volume_type": True},
            ),
            change(
                "openstack_blockstorage_volume_v3",
                "old",
                ["delete"],
                before={"size": 10, "description": secrets["before"]},
                before_sensitive={"description": True},
                after=None,
            ),
        ],
        "configuration": {
            "provider_config": {
                "openstack": {
                    "name": "openstack",
                    "full_name": TF_SOURCE,
                    "expressions": {
                        "auth_url": {"constant_value": "https://auth.snc.acme.test/v3"},
                        "region": {"constant_value": "SNC-PAR-1"},
                        "password": {"references": ["var.os_password"]},
                    },
                },
                "openstack.legacy": {
                    "name": "openstack",
                    "full_name": TF_SOURCE,
                    "alias": "legacy",
                    "expressions": {
                        "auth_url": {"constant_value": "https://auth.snc.acme.test/v3"},
                        "password": {"constant_value": secrets["provider_constant"]},
                    },
                },
            },
            "root_module": {
                "variables": {
                    "os_password": {"sensitive": True},
                    "unused_password": {"sensitive": True},
                },
                "resources": [
                    {
                        "address": "openstack_blockstorage_volume_v3.data",
                        "mode": "managed",
                        "type": "openstack_blockstorage_volume_v3",
                        "name": "data",
                        "provider_config_key": "openstack",
                        "expressions": {"region": {"references": ["var.os_password"]}},
                    }
                ],
            },
        },
    }


TF_STATE_SECRETS = {"password": "tfstate-sensitive-pw-3", "region": "TFSTATE-REGION-SECRET"}


def _terraform_state() -> dict[str, Any]:
    return {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "openstack_db_instance_v1.db",
                        "mode": "managed",
                        "type": "openstack_db_instance_v1",
                        "name": "db",
                        "provider_name": TF_SOURCE,
                        "values": {
                            "region": TF_STATE_SECRETS["region"],
                            "user": [{"name": "app", "password": TF_STATE_SECRETS["password"]}],
                        },
                        "sensitive_values": {"region": True, "user": [{"password": True}]},
                    }
                ]
            }
        },
    }


PLANS: dict[str, tuple[Any, dict[str, str]]] = {
    "pulumi-preview": (_preview, PREVIEW_SECRETS),
    "pulumi-state": (_state, STATE_SECRETS),
    "terraform-plan": (_terraform, TF_SECRETS),
    "terraform-state": (_terraform_state, TF_STATE_SECRETS),
}


def _forms(secret: str) -> set[str]:
    """A secret as it would appear in each encoding a report uses."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], escape(secret)}


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in secrets.items() if any(form in text for form in _forms(secret))]


def _run(*args: str) -> Any:
    from souverain.cli.main import main

    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("report_format", FORMATS)
def test_no_planted_secret_reaches_any_output(tmp_path: Path, plan: str, report_format: str) -> None:
    build, secrets = PLANS[plan]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(build()), encoding="utf-8")
    base = [
        "check",
        str(path),
        "--catalog",
        str(SMALL_CATALOG),
        "--replace-catalog",
        "--format",
        report_format,
    ]

    to_stdout = _run(*base)
    assert to_stdout.exit_code == 1, to_stdout.output  # the planted resources have findings
    assert _leaks(to_stdout.stdout + to_stdout.stderr, secrets) == []

    output = tmp_path / f"report.{report_format}"
    to_file = _run(*base, "--output", str(output))
    assert to_file.exit_code == 1
    written = output.read_text(encoding="utf-8")
    assert written == to_stdout.stdout
    assert _leaks(written + to_file.stdout + to_file.stderr, secrets) == []


NOT_SECRET_IN_THE_MODEL = {
    # ciphertext: the document cannot show the value (a Secret whose value is unknown)
    "pulumi-state": {"ciphertext", "provider_cipher"},
    # `--show-secrets` config is in clear and unmarked in the preview; a masked key's name is no value
    "pulumi-preview": {"config_password", "config_masked_key"},
    # a sensitive variable no expression uses never reaches the model; a constant is in clear by design
    # (and is itself a no-plaintext-secret finding)
    "terraform-plan": {"unused_variable", "provider_constant"},
    "terraform-state": set(),
}


@pytest.mark.parametrize("plan", PLANS)
def test_the_planted_secrets_are_secrets_and_policies_quote_them(plan: str) -> None:
    """The test above proves something only if the secrets are read as secrets and end up in what
    policies write: before redaction, finding messages quote some of them."""
    from souverain.policies import ALL_POLICIES

    from souverain.catalog import load_catalog
    from souverain.engine import PolicyConfig, evaluate, settings_from_config
    from souverain.readers import parse_plan
    from souverain.reports._redact import secret_strings

    build, secrets = PLANS[plan]
    parsed = parse_plan(build(), "plan.json")
    evaluation = evaluate(
        parsed.resources,
        load_catalog([SMALL_CATALOG], replace=True),
        ALL_POLICIES,
        PolicyConfig(),
        settings_from_config(PolicyConfig(), parsed),
        plan=parsed,
    )
    known = secret_strings(parsed.resources, parsed)
    unread = {name for name, secret in secrets.items() if not any(secret in value for value in known)}
    assert unread == NOT_SECRET_IN_THE_MODEL[plan]
    quoted = {name for name, secret in secrets.items() for f in evaluation.findings if secret in f.message}
    assert quoted, "no finding quotes a secret: redaction is not exercised"


# -- a Pulumi project run offline ---------------------------------------------------------------------------

BACKEND_PASSWORD = "pg-backend-secret-pw"
CIPHERTEXT = "v1:c2FsdA==:Y2lwaGVydGV4dA=="


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "stacks" / "minimal", project)
    manifest = project / "Pulumi.yaml"
    text = manifest.read_text(encoding="utf-8").replace(
        "url: s3://state?endpoint=s3.snc.acme.test&s3ForcePathStyle=true&region=snc-par",
        f"url: postgres://admin:{BACKEND_PASSWORD}@db.snc.acme.test/state",
    )
    assert BACKEND_PASSWORD in text
    manifest.write_text(text, encoding="utf-8")
    assert CIPHERTEXT in (project / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    return project


def test_preview_and_check_of_a_project_show_no_secure_config_or_backend_password(tmp_path: Path) -> None:
    project = _project(tmp_path)
    secrets = {"backend password": BACKEND_PASSWORD, "secure config ciphertext": CIPHERTEXT}
    for fmt in ("text", "json"):
        result = _run("preview", str(project), "--stack", "dev", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert _leaks(result.stdout + result.stderr, secrets) == []
    for fmt in FORMATS:
        result = _run(
            "check", str(project), "--stack", "dev", "--format", fmt, "--catalog", str(SMALL_CATALOG)
        )
        assert result.exit_code in (0, 1), result.output
        assert _leaks(result.stdout + result.stderr, secrets) == []
