"""sovereign-state-backend: where a Pulumi project keeps its state and the key to its secrets."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FIXTURES, SMALL_CATALOG, terraform_resource
from souverain.policies.sovereign_state import POLICY

from souverain.catalog import Catalog, load_catalog
from souverain.model import UNKNOWN, Resource, Secret
from souverain.policy import Context, Settings

STATE_SERVICES = FIXTURES / "catalogs" / "state-services.yaml"
SOVEREIGN_S3 = "s3://state?endpoint=s3.snc.acme.test&s3ForcePathStyle=true&region=snc-par"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG, STATE_SERVICES], replace=True)


def stack(**settings: Any) -> Resource:
    """The stack resource as the offline runner leaves it: the project's settings as properties."""
    props: dict[str, Any] = {
        "backend_url": SOVEREIGN_S3,
        "secrets_provider": "passphrase",
        "vault_address": None,
        "environments": [],
    }
    props.update(settings)
    return Resource(
        address="urn:pulumi:prod::hdh::pulumi:pulumi:Stack::hdh-prod",
        type="pulumi:pulumi:Stack",
        name="hdh-prod",
        properties=props,
        custom=False,
        source="pulumi-mock",
    )


def messages(resource: Resource, catalog: Catalog) -> list[str]:
    assert POLICY.check_stack is not None
    return [v.message for v in POLICY.check_stack([resource], Context(catalog, Settings()))]


def test_sovereign_s3_and_passphrase_pass(catalog: Catalog) -> None:
    assert messages(stack(), catalog) == []


def test_file_backend_and_default_secrets_pass(catalog: Catalog) -> None:
    assert messages(stack(backend_url="file://~", secrets_provider=None), catalog) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.pulumi.com", "IaC SaaS Corp."),
        ("https://api.pulumi.com/", "US-controlled"),
        ("s3://state", "Amazon S3"),
        ("s3://state?region=eu-west-3", "s3.eu-west-3.amazonaws.com"),
        ("azblob://state?storage_account=hdh", "Azure Blob Storage"),
        ("gs://state", "Google Cloud Storage"),
        ("s3://state?endpoint=minio.example.org:9000", "not in the sovereignty catalog"),
        ("postgres://pulumi@db.example.org:5432/state", "not in the sovereignty catalog"),
        ("ftp://state.example.org", "not one Pulumi supports"),
    ],
)
def test_backends_outside_a_qualified_offer_fail(catalog: Catalog, url: str, expected: str) -> None:
    found = messages(stack(backend_url=url), catalog)
    assert any(expected in m for m in found), found


def test_no_backend_means_pulumi_cloud(catalog: Catalog) -> None:
    found = messages(stack(backend_url=None, secrets_provider=None), catalog)
    assert any("defaults to Pulumi Cloud" in m for m in found)
    # and Pulumi Cloud's own secrets provider goes with it
    assert any("default secrets provider" in m for m in found)


def test_self_hosted_service_on_a_qualified_host_passes(catalog: Catalog) -> None:
    assert (
        messages(stack(backend_url="https://pulumi.snc.acme.test", secrets_provider="service"), catalog) == []
    )


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("awskms://alias/state?region=eu-west-3", "AWS KMS"),
        ("azurekeyvault://hdh.vault.azure.net/keys/state", "Azure Key Vault"),
        ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "Google Cloud KMS"),
        ("rot13://state", "not one Pulumi supports"),
    ],
)
def test_us_cloud_kms_secrets_providers_fail(catalog: Catalog, provider: str, expected: str) -> None:
    found = messages(stack(secrets_provider=provider), catalog)
    assert len(found) == 1, found
    assert expected in found[0]


def test_cloud_kms_fails_even_when_the_catalog_does_not_know_it() -> None:
    empty = Catalog([])
    found = messages(
        stack(backend_url="file://~", secrets_provider="awskms://alias/x?region=eu-west-3"), empty
    )
    assert len(found) == 1


def test_hashivault_is_judged_by_its_server(catalog: Catalog) -> None:
    provider = "hashivault://hdh-state"
    assert (
        messages(stack(secrets_provider=provider, vault_address="https://vault.snc.acme.test:8200"), catalog)
        == []
    )
    us = messages(stack(secrets_provider=provider, vault_address="https://hdh.vault.azure.net"), catalog)
    assert len(us) == 1
    assert "US-controlled" in us[0]
    assert POLICY.check_stack is not None
    unknown = list(POLICY.check_stack([stack(secrets_provider=provider)], Context(catalog, Settings())))
    assert len(unknown) == 1
    assert unknown[0].unknown
    assert "VAULT_SERVER_URL" in unknown[0].message


def test_esc_environments_are_pulumi_cloud(catalog: Catalog) -> None:
    found = messages(stack(environments=["hdh/prod"]), catalog)
    assert len(found) == 1
    assert "ESC" in found[0]


def test_findings_point_at_the_stack_and_the_setting(catalog: Catalog) -> None:
    assert POLICY.check_stack is not None
    resource = stack(backend_url="https://app.pulumi.com", secrets_provider="awskms://alias/x")
    found = list(POLICY.check_stack([resource], Context(catalog, Settings())))
    assert {(v.resource.address if v.resource else None, v.path) for v in found} == {
        (resource.address, "backend_url"),
        (resource.address, "secrets_provider"),
    }


def test_plans_without_project_settings_are_not_judged(catalog: Catalog) -> None:
    """Terraform plans have no stack resource; Pulumi plan files carry none of the project's settings."""
    assert POLICY.check_stack is not None
    terraform = terraform_resource("openstack_blockstorage_volume_v3", {"size": 10})
    bare_stack = Resource(
        address="urn:pulumi:p::x::pulumi:pulumi:Stack::x-p",
        type="pulumi:pulumi:Stack",
        name="x-p",
        custom=False,
    )
    assert list(POLICY.check_stack([terraform, bare_stack], Context(catalog, Settings()))) == []


# --- values unknown until the program runs, and settings held as secrets ------------------------------


def verdicts(resource: Resource, catalog: Catalog) -> list[tuple[str | None, bool, str]]:
    assert POLICY.check_stack is not None
    found = POLICY.check_stack([resource], Context(catalog, Settings()))
    return [(v.path, v.unknown, v.message) for v in found]


UNKNOWN_ESC = (
    "environments",
    True,
    "the ESC environments the stack imports are not known until the program runs, so it cannot be shown "
    "to stay out of US-controlled services",
)


def test_environments_unknown_are_unknown_not_none(catalog: Catalog) -> None:
    """UNKNOWN is falsy: read as `or []` it was no environment at all, and the stack passed."""
    assert verdicts(stack(environments=UNKNOWN), catalog) == [UNKNOWN_ESC]
    assert verdicts(stack(environments=["hdh/base", UNKNOWN]), catalog) == [UNKNOWN_ESC]
    # twins: no environment passes; a known one is judged by the service that serves it
    assert verdicts(stack(environments=[]), catalog) == []
    [(path, unknown, _)] = verdicts(stack(environments=["hdh/prod"]), catalog)
    assert (path, unknown) == ("environments", False)


def test_backend_and_secrets_provider_unknown_are_unknown(catalog: Catalog) -> None:
    assert verdicts(stack(backend_url=UNKNOWN), catalog) == [
        (
            "backend_url",
            True,
            "the state backend URL is not known until the program runs, so it cannot be shown to stay out "
            "of US-controlled services",
        )
    ]
    # an unknown secrets provider is not the default one (the Pulumi Cloud service)
    assert verdicts(stack(secrets_provider=UNKNOWN), catalog) == [
        (
            "secrets_provider",
            True,
            "the secrets provider is not known until the program runs, so it cannot be shown to stay out of "
            "US-controlled services",
        )
    ]
    hashivault = stack(secrets_provider="hashivault://hdh", vault_address=UNKNOWN)
    assert [(p, u) for p, u, _ in verdicts(hashivault, catalog)] == [("vault_address", True)]


def test_settings_held_as_secrets_are_judged_and_never_quoted(catalog: Catalog) -> None:
    amazon = "s3://hdh-state?region=eu-west-3"
    [(path, unknown, message)] = verdicts(stack(backend_url=Secret(amazon)), catalog)
    assert (path, unknown) == ("backend_url", False)
    assert "amazonaws" not in message
    assert "hdh-state" not in message
    assert message == "the state backend URL (a secret) is not shown to stay out of US control"
    # the compliant twin: a secret URL of the qualified offer's S3 passes
    assert verdicts(stack(backend_url=Secret(SOVEREIGN_S3)), catalog) == []
    vault = stack(secrets_provider="hashivault://hdh", vault_address=Secret("https://vault.example.org"))
    [(path, _, message)] = verdicts(vault, catalog)
    assert path == "secrets_provider"
    assert "vault.example.org" not in message
