"""`pulumi stack export` reader: deployment v3, protect/retainOnDelete, secret ciphertexts, providers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from souverain.errors import InputError
from souverain.model import UNKNOWN, Operation, Plan, Resource, Secret
from souverain.readers import parse_plan, read_plan

FIXTURE = Path(__file__).parent / "fixtures" / "plans" / "pulumi-export-v3.json"
P = "urn:pulumi:prod::hdh-platform::"
DEFAULT = P + "pulumi:providers:openstack::default_5_5_3"
LYON = P + "pulumi:providers:openstack::lyon"
COMPONENT = P + "hdh:storage:EncryptedVolume::patient-db"
VOLUME = P + "hdh:storage:EncryptedVolume$openstack:blockstorage/volume:Volume::patient-db-data"
BACKUPS = P + "openstack:objectstorage/container:Container::patient-db-backups"
WEB = P + "openstack:compute/instance:Instance::web"
SG = P + "openstack:networking/secGroup:SecGroup::web"
SCRATCH = P + "openstack:blockstorage/volume:Volume::scratch"
SIG = "4dabf18193072939515e22adb298388d"


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def entry(data: dict[str, Any], urn: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["deployment"]["resources"] if r["urn"] == urn)
    return found


def by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(FIXTURE)


@pytest.fixture(scope="module")
def resources(plan: Plan) -> dict[str, Resource]:
    return by_address(plan)


def test_plan_identity_and_secrets_provider(plan: Plan) -> None:
    assert (plan.source, plan.stack, plan.project) == ("pulumi-state", "prod", "hdh-platform")
    assert plan.secrets_provider == "passphrase"
    assert plan.backend is None
    assert plan.config == {}


def test_every_resource_is_read_as_it_is(resources: dict[str, Resource]) -> None:
    assert len(resources) == 9
    assert {r.operation for a, r in resources.items() if a != SCRATCH} == {Operation.SAME}
    assert resources[VOLUME].kind == "volume"
    assert resources[COMPONENT].custom is False
    assert resources[VOLUME].parent == COMPONENT


def test_protect_and_retain_on_delete(resources: dict[str, Resource]) -> None:
    volume = resources[VOLUME]
    assert (volume.protect, volume.retain_on_delete) == (True, True)
    backups = resources[BACKUPS]
    assert (backups.protect, backups.retain_on_delete) == (False, True)
    assert (resources[WEB].protect, resources[WEB].retain_on_delete) == (False, False)


def test_properties_are_the_inputs_in_snake_case(resources: dict[str, Resource]) -> None:
    volume = resources[VOLUME].properties
    assert volume["volume_type"] == "classic-luks"
    assert volume["enable_online_resize"] is True
    assert "availability_zone" not in volume  # an output only
    web = resources[WEB].properties
    assert web["flavor_name"] == "b2.c4r8"
    assert web["security_groups"] == ["hdh-web"]


def test_ciphertext_secrets_are_secret_and_unreadable(resources: dict[str, Resource]) -> None:
    admin_pass = resources[WEB].properties["admin_pass"]
    assert isinstance(admin_pass, Secret)
    assert admin_pass.reveal() is UNKNOWN
    assert "v1:" not in repr(resources[WEB].properties)  # the ciphertext never leaks into the model
    password = resources[DEFAULT].properties["password"]
    assert isinstance(password, Secret)


def test_show_secrets_plaintext_is_json_decoded() -> None:
    """`pulumi stack export --show-secrets` writes `plaintext`: the JSON encoding of the value."""
    data = raw()
    entry(data, WEB)["inputs"]["adminPass"] = {
        SIG: "1b47061264138c4ac30d75fd1eb44270",
        "plaintext": '"s3cr3t"',
    }
    entry(data, WEB)["inputs"]["metadata"] = {
        SIG: "1b47061264138c4ac30d75fd1eb44270",
        "plaintext": '{"owner":"hdh-web"}',
    }
    web = by_address(parse_plan(data, "export.json"))[WEB].properties
    assert web["admin_pass"].reveal() == "s3cr3t"
    assert web["metadata"].reveal() == {"owner": "hdh-web"}


def test_providers_are_resolved_default_and_explicit(resources: dict[str, Resource]) -> None:
    web = resources[WEB]
    assert (web.region, web.region_source) == ("SNC-PAR-1", "provider")
    assert web.provider is not None
    assert web.provider.address == DEFAULT
    assert web.provider.properties["auth_url"] == "https://auth.snc.acme.test/v3"
    backups = resources[BACKUPS]
    assert (backups.region, backups.provider.address if backups.provider else None) == ("SNC-LYS-1", LYON)
    default = resources[DEFAULT]
    assert default.is_provider
    assert not default.is_cloud_resource
    assert (default.region, default.region_source) == ("SNC-PAR-1", "resource")


def test_a_resource_marked_delete_is_a_pending_delete_read_from_its_outputs(
    resources: dict[str, Resource],
) -> None:
    scratch = resources[SCRATCH]
    assert scratch.operation == Operation.DELETE
    assert scratch.properties["volume_type"] == "classic"  # no inputs in the state: outputs stand in
    assert scratch.properties["size"] == 50


def test_provider_absent_from_the_state_leaves_the_region_not_known() -> None:
    data = raw()
    data["deployment"]["resources"] = [r for r in data["deployment"]["resources"] if r["urn"] != LYON]
    assert by_address(parse_plan(data, "export.json"))[BACKUPS].region is None


def test_service_secrets_provider_means_the_pulumi_cloud_backend() -> None:
    data = raw()
    data["deployment"]["secrets_providers"] = {"type": "service", "state": {"url": "https://api.pulumi.com"}}
    plan = parse_plan(data, "export.json")
    assert (plan.secrets_provider, plan.backend) == ("service", "pulumi-cloud")


def test_self_managed_backend_checkpoint_is_read_too() -> None:
    data = raw()
    checkpoint = {"version": 3, "checkpoint": {"stack": "prod", "latest": data["deployment"]}}
    plan = parse_plan(checkpoint, "prod.json")
    assert plan.source == "pulumi-state"
    assert by_address(plan)[VOLUME].protect is True


def _error(data: Any) -> InputError:
    with pytest.raises(InputError) as info:
        parse_plan(data, "export.json", "pulumi-state")
    assert info.value.file == "export.json"
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda d: d.update(version=5), "version", "deployment version 5 is not supported"),
        (lambda d: d.update(version=4, features="views"), "features", "must be a list, not a string"),
        (lambda d: d.update(version=4, features=["views", 4]), "features[1]", "must be a string, not a"),
        (lambda d: d.update(version="3"), "version", "must be a number, not a string"),
        (lambda d: d.update(deployment=[]), "deployment", "must be an object, not a list"),
        (lambda d: d["deployment"].update(resources={}), "deployment.resources", "must be a list"),
        (lambda d: d["deployment"]["resources"].insert(2, None), "deployment.resources[2]", "not null"),
        (lambda d: d["deployment"]["resources"][4].pop("urn"), "deployment.resources[4].urn", "is missing"),
        (
            lambda d: d["deployment"]["resources"][4].update(protect=1),
            "deployment.resources[4].protect",
            "true",
        ),
        (
            lambda d: d["deployment"]["resources"][4].update(delete="no"),
            "deployment.resources[4].delete",
            "true",
        ),
        (
            lambda d: d["deployment"]["resources"][4].update(outputs=5),
            "deployment.resources[4].outputs",
            "object",
        ),
        (
            lambda d: d["deployment"]["resources"][4].update(parent=5),
            "deployment.resources[4].parent",
            "string",
        ),
        (
            lambda d: d["deployment"].update(secrets_providers={"type": 3}),
            "deployment.secrets_providers.type",
            "must be a string",
        ),
    ],
)
def test_malformed_fields_name_the_file_and_the_field(mutate: Any, field: str, message: str) -> None:
    data = raw()
    mutate(data)
    error = _error(data)
    assert error.field == field
    assert message in error.message


def test_a_document_without_a_deployment_is_refused_when_forced() -> None:
    assert "not `pulumi stack export` output" in _error({"version": 3}).message
