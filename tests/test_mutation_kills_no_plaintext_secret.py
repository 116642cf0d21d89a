"""no-plaintext-secret finds a secret-named value in clear at any depth: maps in maps, lists of maps,
lists of strings under a secret's name, read-only maps. Written against mutants that survived the policy's
own tests (docs/mutation.md); the expected paths are written by hand.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from conftest import context, pulumi_resource
from souverain.policies.no_plaintext_secret import POLICY

from souverain.catalog import Catalog
from souverain.model import Resource

INSTANCE = "openstack:compute/instance:Instance"
CLEAR = "Tr0ub4dor-and-3"
ENVELOPE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def _paths(resource: Resource, catalog: Catalog) -> list[str | None]:
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack([resource], context(catalog)))
    assert all(CLEAR not in violation.message for violation in found)
    return [violation.path for violation in found]


@pytest.mark.parametrize(
    ("config", "paths"),
    [
        ({"app": {"db": {"password": CLEAR}}}, ["config.app.db.password"]),  # a map in a map in a map
        ({"users": [{"name": "admin", "password": CLEAR}]}, ["config.users[0].password"]),  # maps in a list
        ({"tokens": ["ghp-one-token-value", CLEAR]}, ["config.tokens[0]", "config.tokens[1]"]),
        ({"users": [[{"apiKey": CLEAR}]]}, ["config.users[0][0].api_key"]),  # a list in a list
        ({"app": {"db": {"password": {**ENVELOPE, "value": CLEAR}}}}, []),  # a secret, not in clear
        ({"app": {"db": {"password_length": 24, "port": 5432, "tls": True, "ratio": 0.5}}}, []),
        ({"users": [None, 3, {"name": "admin"}]}, []),
    ],
)
def test_secret_named_values_in_clear_at_any_depth(
    small_catalog: Catalog, config: dict[str, Any], paths: list[str]
) -> None:
    assert _paths(pulumi_resource(INSTANCE, {"name": "web", "config": config}), small_catalog) == paths


def test_a_read_only_map_is_walked_like_any_map(small_catalog: Catalog) -> None:
    resource = pulumi_resource(INSTANCE, {"name": "web"})
    resource.properties["config"] = {"db": MappingProxyType({"password": CLEAR})}
    assert _paths(resource, small_catalog) == ["config.db.password"]


def test_every_property_is_read_after_admin_pass_numbers_and_nulls(small_catalog: Catalog) -> None:
    inputs = {
        "name": "web",
        "adminPass": CLEAR,
        "keyPair": None,
        "stopBeforeDestroy": True,
        "powerState": 1,
        "config": {"db": {"password": CLEAR}},
    }
    assert _paths(pulumi_resource(INSTANCE, inputs), small_catalog) == ["admin_pass", "config.db.password"]


def test_a_providers_password_after_a_value_unknown_until_apply_is_found(small_catalog: Catalog) -> None:
    from conftest import pulumi_provider

    provider = pulumi_provider(
        "openstack",
        {"region": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "userName": "deploy", "password": CLEAR},
        name="snc",
    )
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack([provider], context(small_catalog)))
    assert [(violation.path, violation.message) for violation in found] == [
        ("password", "the provider's password is in clear in its configuration: set it as a secret")
    ]
