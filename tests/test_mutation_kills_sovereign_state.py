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
from souverain.model import Resource
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
