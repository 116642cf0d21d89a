"""The pack says what `souverain check` says on shapes the Analyzer protocol describes in its own way.

Each test writes a small Pulumi document by hand, runs `souverain check` on it and the CrossGuard pack over
gRPC on what the engine would send for it, and compares both with the verdicts written here by hand:
- `user_data` that the provider keeps only as a digest in its outputs (AnalyzeStack sends outputs; the
  inputs, which `souverain check` judges, came in each resource's AnalyzeRequest);
- provider configuration sent as secrets (secret envelopes in the provider's properties, or in the stack
  config of a default provider);
- a resource sent without a provider: its package comes from its type token.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_CATALOG, pack_and_check_verdicts

from souverain.crossguard_harness import Verdict

pytestmark = pytest.mark.slow

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK = "urn:pulumi:dev::hdh::"

SNC_AUTH = "https://auth.snc.acme.test:5000/v3"
"""The small catalog's qualified offer (acme-snc): Keystone host, SecNumCloud and HDS region SNC-PAR-1."""


def urn(tail: str) -> str:
    return STACK + tail


def secret_shown(value: Any) -> dict[str, Any]:
    """A secret as `pulumi stack export --show-secrets` writes it: the value JSON-encoded in `plaintext`."""
    return {SIG: SECRET_SIG, "plaintext": json.dumps(value)}


def secret_hidden() -> dict[str, Any]:
    """A secret as `pulumi stack export` writes it: ciphertext only."""
    return {SIG: SECRET_SIG, "ciphertext": "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB"}


def digest(text: str) -> str:
    """What terraform-provider-openstack keeps of `user_data` in state: its SHA-1, hex (a StateFunc)."""
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - the provider's digest, not ours


def provider(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "urn": urn(f"pulumi:providers:openstack::{name}"),
        "custom": True,
        "id": f"{name}-id",
        "type": "pulumi:providers:openstack",
        "inputs": inputs,
        "outputs": inputs,
    }


def resource(
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None = None,
    *,
    provider_name: str | None = "snc",
    custom: bool = True,
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "urn": urn(f"{type_token}::{name}"),
        "custom": custom,
        "type": type_token,
        "inputs": inputs,
        "outputs": inputs if outputs is None else outputs,
    }
    if custom:
        state["id"] = f"{name}-id"
    if provider_name is not None:
        state["provider"] = f"{urn(f'pulumi:providers:openstack::{provider_name}')}::{provider_name}-id"
    return state


def export(*states: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-20T14:03:51Z", "magic": "m", "version": "v3.207.0"},
            "resources": [
                {"urn": urn("pulumi:pulumi:Stack::hdh-dev"), "custom": False, "type": "pulumi:pulumi:Stack"},
                *states,
            ],
        },
    }


def preview(config: dict[str, str], *states: dict[str, Any], op: str = "create") -> dict[str, Any]:
    return {
        "config": config,
        "steps": [{"op": op, "urn": state["urn"], "newState": state} for state in states],
        "changeSummary": {op: len(states)},
    }


def verdicts(document: dict[str, Any], tmp_path: Path) -> tuple[set[Verdict], set[Verdict]]:
    """The pack's verdicts and `souverain check`'s on the same document, with the small catalog."""
    return pack_and_check_verdicts(document, SMALL_CATALOG, tmp_path)


SNC = provider("snc", {"authUrl": SNC_AUTH, "region": "SNC-PAR-1", "password": secret_hidden()})
INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"

CLOUD_CONFIG_PASSWORD = "#cloud-config\nusers:\n  - name: admin\n    passwd: Sup3r-S3cret-Pw\n"
SCRIPT_TOKEN = "#!/bin/sh\nexport DB_PASSWORD=hunter2hunter2\nexec /opt/app/start\n"
PEM_KEY = "#cloud-config\nwrite_files:\n  - content: |\n      -----BEGIN RSA PRIVATE KEY-----\n      MIIB\n"
HARMLESS = "#cloud-config\npackages: [nginx]\nruncmd:\n  - systemctl enable --now nginx\n"


# --- user_data kept as a digest in outputs -----------------------------------------------------------------


def hashed_instance(name: str, user_data: Any, digest_of: str) -> dict[str, Any]:
    """An instance whose inputs hold `user_data` and whose outputs hold only its digest, as in state."""
    inputs = {"name": name, "flavorName": "b2-7", "imageName": "debian-12", "userData": user_data}
    return resource(INSTANCE, name, inputs, {**inputs, "userData": digest(digest_of)})


@pytest.mark.parametrize(
    ("user_data", "leaks"),
    [
        pytest.param(CLOUD_CONFIG_PASSWORD, True, id="cloud-config-passwd"),
        pytest.param(base64.b64encode(SCRIPT_TOKEN.encode()).decode(), True, id="base64-script-assignment"),
        pytest.param(PEM_KEY, True, id="pem-private-key"),
        pytest.param(HARMLESS, False, id="harmless-cloud-config"),
        pytest.param(secret_shown(CLOUD_CONFIG_PASSWORD), False, id="password-but-a-secret"),
    ],
)
def test_stack_policies_judge_user_data_inputs_not_the_digest_in_outputs(
    tmp_path: Path, user_data: Any, leaks: bool
) -> None:
    plain = user_data if isinstance(user_data, str) else CLOUD_CONFIG_PASSWORD
    document = export(SNC, hashed_instance("web", user_data, plain))
    pack, checked = verdicts(document, tmp_path)
    expected = {("no-plaintext-secret", urn(f"{INSTANCE}::web"), "mandatory")} if leaks else set()
    assert checked == expected
    assert pack == expected


def test_user_data_digest_in_a_preview_step_is_not_what_is_judged(tmp_path: Path) -> None:
    """A preview's new state: inputs with the cloud-init document, planned outputs with its digest."""
    document = preview(
        {"openstack:region": "SNC-PAR-1"},
        SNC,
        hashed_instance("leaky", CLOUD_CONFIG_PASSWORD, CLOUD_CONFIG_PASSWORD),
        hashed_instance("clean", HARMLESS, HARMLESS),
    )
    pack, checked = verdicts(document, tmp_path)
    expected = {("no-plaintext-secret", urn(f"{INSTANCE}::leaky"), "mandatory")}
    assert checked == expected
    assert pack == expected


# --- provider configuration sent as secrets ----------------------------------------------------------------


def volume(name: str, provider_name: str | None, **inputs: Any) -> dict[str, Any]:
    return resource(
        VOLUME,
        name,
        {"name": name, "size": 10, "volumeType": "classic-luks", **inputs},
        provider_name=provider_name,
    )


def test_a_provider_region_sent_as_a_secret_is_its_region(tmp_path: Path) -> None:
    document = export(
        provider("qualified", {"authUrl": secret_shown(SNC_AUTH), "region": secret_shown("SNC-PAR-1")}),
        provider("unqualified", {"authUrl": SNC_AUTH, "region": secret_shown("PUB-1")}),
        provider("hidden", {"authUrl": SNC_AUTH, "region": secret_hidden()}),
        volume("in-snc", "qualified"),
        volume("in-public", "unqualified"),
        volume("in-unknown", "hidden"),
    )
    pack, checked = verdicts(document, tmp_path)
    expected = {
        # PUB-1 is the small catalog's HDS-only region: not SecNumCloud-qualified.
        ("qualified-region", urn(f"{VOLUME}::in-public"), "mandatory"),
        # A secret the export does not show is unknown: it fails closed, and so does the volume type's
        # encryption, a capability of the offer that serves the region.
        ("qualified-region", urn(f"{VOLUME}::in-unknown"), "mandatory"),
        ("encrypted-storage", urn(f"{VOLUME}::in-unknown"), "mandatory"),
    }
    assert checked == expected
    assert pack == expected


def test_a_provider_auth_url_sent_as_a_secret_is_judged(tmp_path: Path) -> None:
    us_keystone = provider(
        "us", {"authUrl": secret_shown("https://auth.us.acme.test/v3"), "region": "SNC-PAR-1"}
    )
    document = export(
        us_keystone,
        provider(
            "public", {"authUrl": secret_shown("https://auth.public.acme.test/v3"), "region": "SNC-PAR-1"}
        ),
        provider("snc", {"authUrl": secret_shown(SNC_AUTH), "region": "SNC-PAR-1"}),
        volume("a", "us"),
        volume("b", "public"),
        volume("c", "snc"),
    )
    pack, checked = verdicts(document, tmp_path)
    expected = {
        # Keystone of the small catalog's US offer: not qualified, and a US host in the provider's config.
        ("qualified-endpoint", us_keystone["urn"], "mandatory"),
        ("no-us-controlled-service", us_keystone["urn"], "mandatory"),
        # Keystone of the unqualified offer.
        ("qualified-endpoint", urn("pulumi:providers:openstack::public"), "mandatory"),
    }
    assert checked == expected
    assert pack == expected


def test_a_default_provider_configured_by_secret_stack_config(tmp_path: Path) -> None:
    """A preview without `--show-sames`: the default provider is not a step; its inputs are the stack
    config, where a secret shows as `[secret]`, a value the document does not give: unknown."""
    reference = f"{urn('pulumi:providers:openstack::default')}::{UNKNOWN}"
    state = volume("data", None)
    state["provider"] = reference
    document = preview({"openstack:authUrl": SNC_AUTH, "openstack:region": "[secret]"}, state)
    pack, checked = verdicts(document, tmp_path)
    expected = {
        ("qualified-region", state["urn"], "mandatory"),
        ("encrypted-storage", state["urn"], "mandatory"),  # no known region, so no offer's volume types
    }
    assert checked == expected
    assert pack == expected


# --- a resource sent without a provider --------------------------------------------------------------------


def test_a_resource_sent_without_a_provider_is_judged_by_its_type_token(tmp_path: Path) -> None:
    """An old state's resources carry no provider reference; `pulumi policy check` sends them without one.
    The package comes from the type token; the region from the resource, else nowhere (fail closed)."""
    bucket = resource("aws:s3/bucket:Bucket", "exports", {"bucket": "hdh-exports"}, provider_name=None)
    component = resource("hdh:components:Network", "net", {}, provider_name=None, custom=False)
    document = export(
        volume("placed", None, region="SNC-PAR-1"),
        volume("unplaced", None),
        bucket,
        component,
    )
    pack, checked = verdicts(document, tmp_path)
    expected = {
        # No region on the volume, and no provider to take one from: nor an offer's volume types.
        ("qualified-region", urn(f"{VOLUME}::unplaced"), "mandatory"),
        ("encrypted-storage", urn(f"{VOLUME}::unplaced"), "mandatory"),
        # aws reaches only the small catalog's US hyperscaler; and the bucket has no region either, so no
        # offer can be shown to encrypt it (an S3 bucket is an object container, on any S3 offer)
        ("no-us-controlled-service", bucket["urn"], "mandatory"),
        ("qualified-region", bucket["urn"], "mandatory"),
        ("encrypted-storage", bucket["urn"], "mandatory"),
        # The openstack resources use their package's default provider, whose auth_url nothing sets.
        ("qualified-endpoint", "", "mandatory"),
    }
    assert checked == expected
    assert pack == expected


def test_a_resource_sent_without_a_provider_takes_its_default_provider_from_the_stack_config(
    tmp_path: Path,
) -> None:
    """The CLI hands the pack the stack config (`PULUMI_CONFIG`), as `souverain check` reads a preview's."""
    document = preview(
        {"openstack:authUrl": SNC_AUTH, "openstack:region": "SNC-PAR-1"},
        volume("placed-by-config", None),
        resource("aws:s3/bucket:Bucket", "exports", {"bucket": "hdh-exports"}, provider_name=None),
    )
    pack, checked = verdicts(document, tmp_path)
    bucket = urn("aws:s3/bucket:Bucket::exports")
    expected = {
        ("no-us-controlled-service", bucket, "mandatory"),
        ("qualified-region", bucket, "mandatory"),
        ("encrypted-storage", bucket, "mandatory"),  # no region: no offer shown to encrypt it
    }
    assert checked == expected
    assert pack == expected
