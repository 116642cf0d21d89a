"""sovereign-state-backend names what it judged: the Azure account, the unsupported scheme, the Vault server
nobody set; and it judges the stack's settings only. Written against mutants that survived the policy's own
tests (docs/mutation.md); expected messages are written by hand.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FIXTURES, SMALL_CATALOG
from souverain.policies.sovereign_state import POLICY

from souverain.catalog import Catalog, load_catalog
from souverain.model import UNKNOWN, Resource, Secret
from souverain.policy import Context, Settings, Violation

STATE_SERVICES = FIXTURES / "catalogs" / "state-services.yaml"
SOVEREIGN_S3 = "s3://state?endpoint=s3.snc.acme.test&s3ForcePathStyle=true&region=snc-par"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG, STATE_SERVICES], replace=True)


def _stack(resource_type: str = "pulumi:pulumi:Stack", **settings: Any) -> Resource:
    return Resource(
        address=f"urn:pulumi:prod::hdh::{resource_type}::hdh-prod",
        type=resource_type,
        name="hdh-prod",
        properties=settings,
        custom=False,
        source="pulumi-mock",
    )


def _violations(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack([resource], Context(catalog, Settings())))


def test_an_azure_backend_is_named_by_its_storage_account(catalog: Catalog) -> None:
    found = _violations(
        _stack(backend_url="azblob://state?storage_account=hdhstate", secrets_provider="passphrase"), catalog
    )
    assert [violation.path for violation in found] == ["backend_url"]
    assert found[0].message.startswith(
        "the state backend (Azure Blob Storage) is hdhstate.blob.core.windows.net, run by "
    )


def test_an_azure_backend_without_its_account_in_the_url_is_still_azure(catalog: Catalog) -> None:
    """The account then comes from AZURE_STORAGE_ACCOUNT; the host is Azure's whatever it is."""
    found = _violations(_stack(backend_url="azblob://state", secrets_provider="passphrase"), catalog)
    assert [violation.path for violation in found] == ["backend_url"]
    assert "Azure Blob Storage" in found[0].message


@pytest.mark.parametrize(
    ("url", "shown"), [("ftp://state.example.org/x", "'ftp'"), ("state-bucket", "'(none)'")]
)
def test_a_backend_scheme_pulumi_does_not_support_is_named(catalog: Catalog, url: str, shown: str) -> None:
    [violation] = _violations(_stack(backend_url=url, secrets_provider="passphrase"), catalog)
    assert violation.message == f"the state backend scheme {shown} is not one Pulumi supports"


@pytest.mark.parametrize("vault", [None, ""])
def test_a_hashivault_server_nobody_set_is_unknown(catalog: Catalog, vault: str | None) -> None:
    resource = _stack(backend_url=SOVEREIGN_S3, secrets_provider="hashivault://hdh", vault_address=vault)
    [violation] = _violations(resource, catalog)
    assert violation.unknown
    assert violation.path == "secrets_provider"
    assert "VAULT_SERVER_URL" in violation.message


def test_only_the_stack_resource_carries_the_projects_settings(catalog: Catalog) -> None:
    """A resource that happens to have a `backend_url` property is not the stack: it is not judged here."""
    other = _stack("openstack:compute/instance:Instance", backend_url="https://api.pulumi.com")
    assert _violations(other, catalog) == []


def test_a_stack_without_backend_or_secrets_settings_is_not_judged(catalog: Catalog) -> None:
    """Plan files carry none of the project's settings, not even ESC imports: nothing to judge."""
    assert _violations(_stack(environments=["hdh/prod"]), catalog) == []


US_HOST = "run by Hyperscaler Inc. (US), a US-controlled service (Hyperscaler (US))"
"""How the test catalog (state-services.yaml) names the US hyperscaler in a finding."""


@pytest.mark.parametrize(
    ("url", "host"),
    [
        # A query parameter given twice counts once, the first time, as gocloud.dev reads it (url.Values.Get).
        ("s3://state?region=eu-west-3&region=us-east-1", "s3.eu-west-3.amazonaws.com"),
        (
            "s3://state?endpoint=s3.eu-west-3.amazonaws.com&endpoint=s3.snc.acme.test",
            "s3.eu-west-3.amazonaws.com",
        ),
        ("azblob://state?storage_account=first&storage_account=second", "first.blob.core.windows.net"),
    ],
)
def test_the_first_of_a_repeated_query_parameter_counts(catalog: Catalog, url: str, host: str) -> None:
    [violation] = _violations(_stack(backend_url=url, secrets_provider="passphrase"), catalog)
    assert f" is {host}, " in violation.message


def test_a_repeated_endpoint_does_not_hide_the_first(catalog: Catalog) -> None:
    url = "s3://state?endpoint=s3.snc.acme.test&endpoint=s3.eu-west-3.amazonaws.com"
    assert _violations(_stack(backend_url=url, secrets_provider="passphrase"), catalog) == []


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        (
            "awskms://alias/state?region=eu-west-3",
            f"the secrets provider (AWS KMS) is kms.eu-west-3.amazonaws.com, {US_HOST}",
        ),
        (
            "awskms://alias/state?region=eu-west-3&region=us-east-1",
            f"the secrets provider (AWS KMS) is kms.eu-west-3.amazonaws.com, {US_HOST}",
        ),
        ("awskms://alias/state", f"the secrets provider (AWS KMS) is kms.amazonaws.com, {US_HOST}"),
        (
            "azurekeyvault://hdh.vault.azure.net/keys/state",
            f"the secrets provider (Azure Key Vault) is hdh.vault.azure.net, {US_HOST}",
        ),
        (
            "gcpkms://projects/p/locations/europe-west9/keyRings/r/cryptoKeys/state",
            f"the secrets provider (Google Cloud KMS) is cloudkms.googleapis.com, {US_HOST}",
        ),
    ],
)
def test_a_cloud_kms_is_named_by_the_host_its_api_calls_reach(
    catalog: Catalog, provider: str, message: str
) -> None:
    found = _violations(_stack(backend_url=SOVEREIGN_S3, secrets_provider=provider), catalog)
    assert [(violation.path, violation.message) for violation in found] == [("secrets_provider", message)]


def test_an_unsupported_secrets_provider_scheme_is_named(catalog: Catalog) -> None:
    [violation] = _violations(
        _stack(backend_url=SOVEREIGN_S3, secrets_provider="keybase://me/state"), catalog
    )
    assert violation.message == "the secrets provider scheme 'keybase' is not one Pulumi supports"


def test_a_self_hosted_backend_with_the_default_secrets_provider_uses_that_service(catalog: Catalog) -> None:
    """An https backend is a Pulumi Cloud, whose service holds the default secrets' key: both are judged."""
    found = _violations(_stack(backend_url="https://api.pulumi.com", secrets_provider="default"), catalog)
    assert [violation.path for violation in found] == ["backend_url", "secrets_provider"]
    assert " is api.pulumi.com, " in found[1].message


def test_esc_environments_of_a_diy_backend_are_pulumi_clouds(catalog: Catalog) -> None:
    """A DIY backend has no ESC: environments come from Pulumi Cloud, not from the bucket's host."""
    resource = _stack(backend_url=SOVEREIGN_S3, secrets_provider="passphrase", environments=["hdh/prod"])
    [violation] = _violations(resource, catalog)
    assert violation.path == "environments"
    assert " is api.pulumi.com, " in violation.message


def test_a_stack_with_only_a_backend_setting_is_judged(catalog: Catalog) -> None:
    [violation] = _violations(_stack(backend_url="https://api.pulumi.com"), catalog)
    assert violation.path == "backend_url"


@pytest.mark.parametrize("provider", ["service", "default"])
def test_the_service_secrets_provider_of_an_unknown_backend_is_the_backends_finding(
    catalog: Catalog, provider: str
) -> None:
    """The Pulumi Cloud secrets provider is the backend's service: with the backend URL unknown until the
    program runs, the one finding is the backend's, not a second guess at the secrets provider."""
    found = _violations(_stack(backend_url=UNKNOWN, secrets_provider=provider), catalog)
    assert [(violation.path, violation.unknown) for violation in found] == [("backend_url", True)]
    # a secrets provider of its own is judged, whatever the backend
    found = _violations(_stack(backend_url=UNKNOWN, secrets_provider="gcpkms://projects/p/keys/k"), catalog)
    assert [violation.path for violation in found] == ["backend_url", "secrets_provider"]


def test_environments_of_a_secret_backend_do_not_quote_it(catalog: Catalog) -> None:
    """The ESC service is the backend's: a backend URL held as a secret is not quoted in the environments'
    finding either."""
    backend = "https://api.pulumi.com/acme-health"
    found = _violations(
        _stack(backend_url=Secret(backend), secrets_provider="passphrase", environments=["hdh/prod"]), catalog
    )
    by_path = {violation.path: violation.message for violation in found}
    assert by_path["environments"] == (
        "the ESC environments the stack imports (a secret) is not shown to stay out of US control"
    )
    assert all("pulumi.com" not in message for message in by_path.values())
