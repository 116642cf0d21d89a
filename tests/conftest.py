"""Shared fixtures: a small invented catalog, and resources built the way each reader builds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from souverain.catalog import Catalog, load_catalog
from souverain.model import Operation, ProviderConfig, Resource
from souverain.policy import Context, Settings
from souverain.readers._common import finish, pulumi_package, pulumi_value, terraform_value

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CATALOG = FIXTURES / "catalogs" / "small.yaml"


@pytest.fixture(scope="session")
def small_catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG], replace=True)


def context(catalog: Catalog, settings: Settings | None = None, **policy_config: Any) -> Context:
    return Context(catalog, settings or Settings(), {}, policy_config)


def pulumi_resource(
    type_token: str,
    inputs: dict[str, Any],
    *,
    name: str = "res",
    provider_region: str | None = "SNC-PAR-1",
    provider_inputs: dict[str, Any] | None = None,
    operation: Operation = Operation.CREATE,
    protect: bool = False,
    retain_on_delete: bool = False,
) -> Resource:
    """A resource as the Pulumi readers build it: camelCase wire inputs normalized."""
    package = pulumi_package(type_token)
    provider_props = pulumi_value(provider_inputs or ({"region": provider_region} if provider_region else {}))
    provider = ProviderConfig(
        package=package,
        address=f"urn:pulumi:dev::proj::pulumi:providers:{package}::default",
        region=provider_props.get("region"),
        properties=provider_props,
    )
    return finish(
        Resource(
            address=f"urn:pulumi:dev::proj::{type_token}::{name}",
            type=type_token,
            name=name,
            package=package,
            properties=pulumi_value(inputs),
            provider=provider,
            operation=operation,
            protect=protect,
            retain_on_delete=retain_on_delete,
            source="pulumi-preview",
        )
    )


def pulumi_provider(package: str, inputs: dict[str, Any], *, name: str = "default") -> Resource:
    """A Pulumi provider resource (`pulumi:providers:openstack`) with camelCase wire inputs normalized.

    Its URN is the one `pulumi_resource` gives its resources' provider when `name` is `default`.
    """
    type_token = f"pulumi:providers:{package}"
    return finish(
        Resource(
            address=f"urn:pulumi:dev::proj::{type_token}::{name}",
            type=type_token,
            name=name,
            package=package,
            properties=pulumi_value(inputs),
            is_provider=True,
            operation=Operation.CREATE,
            source="pulumi-preview",
        )
    )


def terraform_resource(
    tf_type: str,
    after: dict[str, Any],
    *,
    name: str = "res",
    after_unknown: dict[str, Any] | None = None,
    after_sensitive: dict[str, Any] | None = None,
    provider_region: str | None = "SNC-PAR-1",
    provider_expressions: dict[str, Any] | None = None,
    operation: Operation = Operation.CREATE,
) -> Resource:
    """A resource as the Terraform reader builds it: snake_case `after` with unknown/sensitive marks."""
    provider_props = dict(provider_expressions or ({"region": provider_region} if provider_region else {}))
    provider = ProviderConfig(
        package="terraform-provider-openstack/openstack",
        address="openstack",
        region=provider_props.get("region"),
        properties=provider_props,
    )
    return finish(
        Resource(
            address=f"{tf_type}.{name}",
            type=tf_type,
            name=name,
            package="terraform-provider-openstack/openstack",
            properties=terraform_value(after, after_unknown or {}, after_sensitive or {}),
            provider=provider,
            operation=operation,
            source="terraform-plan",
        )
    )


def pack_and_check_verdicts(
    document: dict[str, Any], catalog: Path, folder: Path, *, stack: str = "dev"
) -> tuple[set[Any], set[Any]]:
    """The CrossGuard pack's verdicts (over real gRPC) and `souverain check`'s on one in-memory Pulumi
    document, both over `catalog` in place of the shipped one: what parity tests compare."""
    import json

    from souverain.checker import CheckOptions, check
    from souverain.crossguard import ENV_CATALOG, ENV_REPLACE_CATALOG
    from souverain.crossguard_harness import check_verdicts, pack_verdicts, run_pack

    path = folder / "document.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    evaluation = check(str(path), CheckOptions(catalogs=(str(catalog),), replace_catalog=True))
    env = {ENV_CATALOG: str(catalog), ENV_REPLACE_CATALOG: "1"}
    diagnostics, analyzed = run_pack(document, env=env, stack=stack)
    return pack_verdicts(diagnostics), check_verdicts(evaluation, analyzed)
