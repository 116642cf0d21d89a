"""KeyManagement: Barbican orders, containers and secrets with ACLs, or the offer's own KMS, never none."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from component_support import CATALOG, HEALTH, INTERNAL, Run, mandatory
from souverain.components import KeyManagement
from souverain.components._common import ComponentRefusedError

from souverain.model import Secret

ORDER = "openstack:keymanager/orderV1:OrderV1"
CONTAINER = "openstack:keymanager/containerV1:ContainerV1"
SECRET = "openstack:keymanager/secretV1:SecretV1"


def key_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "labels": HEALTH,
        "region": "NUA-PAR-1",
        "keys": [{"name": "snds"}, {"name": "backup", "mode": "xts"}],
        "secrets": ["db-passphrase"],
        "readers": ["5f2b0c7d9e", "a1b2c3"],
    }
    args.update(overrides)
    return args


@pytest.fixture(scope="module")
def barbican() -> Run:
    return Run(
        lambda: (
            KeyManagement(
                "hdh-keys",
                key_args(),
                secret_values={"db-passphrase": pulumi.Output.from_input("correct horse")},
                catalog=CATALOG,
            )
            and None
        )
    )


def test_barbican_orders_generate_keys_server_side(barbican: Run) -> None:
    [component] = barbican.of_type("souverain:keys:KeyManagement")
    orders = {r.name: r for r in barbican.of_type(ORDER)}
    assert set(orders) == {"hdh-keys-snds-order", "hdh-keys-backup-order"}
    snds = orders["hdh-keys-snds-order"]
    assert snds.properties["type"] == "key"
    assert snds.properties["meta"] == {
        "name": "hdh-keys-snds",
        "algorithm": "aes",
        "bit_length": 256,
        "mode": "cbc",
        "payload_content_type": "application/octet-stream",
    }
    assert "payload" not in snds.properties  # the key material never enters state
    assert orders["hdh-keys-backup-order"].properties["meta"]["mode"] == "xts"
    for resource in barbican.registered():
        if resource is not component:
            assert resource.parent == component.address
            assert resource.properties["region"] == "NUA-PAR-1"


def test_containers_publish_keys_to_acl_readers_only(barbican: Run) -> None:
    container = barbican.one(CONTAINER, "hdh-keys-snds")
    assert container.properties["type"] == "generic"
    assert container.properties["secret_refs"] == [
        {"name": "snds", "secret_ref": "https://key-manager.invalid/v1/secrets/hdh-keys-snds-order_id-secret"}
    ]
    assert container.properties["acl"] == {
        "read": {"project_access": False, "users": ["5f2b0c7d9e", "a1b2c3"]}
    }


def test_supplied_secrets_are_secret_with_acl_and_labels(barbican: Run) -> None:
    secret = barbican.one(SECRET, "hdh-keys-db-passphrase")
    assert isinstance(secret.properties["payload"], Secret)
    assert secret.properties["payload"].reveal() == "correct horse"
    assert "correct horse" not in repr(barbican.plan)
    assert secret.properties["secret_type"] == "passphrase"
    assert secret.properties["acl"]["read"]["project_access"] is False
    assert secret.tags == HEALTH


def test_keys_are_protected_and_retained(barbican: Run) -> None:
    stores = [r for r in barbican.cloud()]
    assert {r.type for r in stores} == {ORDER, CONTAINER, SECRET}
    assert all(r.protect and r.retain_on_delete for r in stores)


def test_barbican_outputs(barbican: Run) -> None:
    [component] = barbican.of_type("souverain:keys:KeyManagement")
    outputs = barbican.outputs[component.address]
    assert outputs["key_manager"] == "barbican"
    assert outputs["keys"] == {
        "snds": "https://key-manager.invalid/v1/containers/hdh-keys-snds_id",
        "backup": "https://key-manager.invalid/v1/containers/hdh-keys-backup_id",
    }
    assert outputs["labels"] == HEALTH


def test_no_mandatory_finding(barbican: Run) -> None:
    assert mandatory(barbican.resources) == []


def test_protection_can_be_turned_off_explicitly() -> None:
    run = Run(
        lambda: (
            KeyManagement(
                "scratch",
                key_args(labels=INTERNAL, secrets=[], protect=False, retain_on_delete=False),
                catalog=CATALOG,
            )
            and None
        )
    )
    assert not any(r.protect or r.retain_on_delete for r in run.cloud())


def test_provider_kms_creates_nothing_and_names_the_offers_keys() -> None:
    run = Run(lambda: KeyManagement("kms", key_args(region="KMS-1", secrets=[]), catalog=CATALOG) and None)
    [component] = run.of_type("souverain:keys:KeyManagement")
    assert run.cloud() == []
    outputs = run.outputs[component.address]
    assert outputs["key_manager"] == "provider-kms"
    assert outputs["managed_keys"] == {
        "managed_by": "KMS Cloud",
        "keys": ["snds", "backup"],
        "source": "https://example.test/kms/keys",
    }


def test_no_key_manager_is_fine_only_without_health_data() -> None:
    run = Run(
        lambda: (
            KeyManagement("none", key_args(region="BARE-1", labels=INTERNAL, secrets=[]), catalog=CATALOG)
            and None
        )
    )
    [component] = run.of_type("souverain:keys:KeyManagement")
    assert run.cloud() == []
    assert run.outputs[component.address]["key_manager"] == "none"


def refused(
    exception: type[Exception], args: dict[str, Any], secret_values: dict[str, Any] | None = None
) -> tuple[Exception, Run]:
    """Outputs can only exist inside a program: `secret_values` None means an Output per named secret."""
    seen: list[Exception] = []

    def program() -> None:
        values = secret_values
        if values is None:
            values = {name: pulumi.Output.from_input("x") for name in args.get("secrets", [])}
        with pytest.raises(exception) as info:
            KeyManagement("k", args, secret_values=values, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert seen, f"{exception.__name__} not raised"
    return seen[0], run


@pytest.mark.parametrize(
    ("args", "loc", "message"),
    [
        (key_args(region="BARE-1", secrets=[]), ("keys",), "no key manager"),
        (key_args(keys=[{"name": "a"}, {"name": "a"}]), ("keys",), "used twice"),
        (key_args(keys=[{"name": "a", "bit_length": 64}]), ("keys", 0, "bit_length"), "128"),
        (key_args(keys=[{"name": "a", "algorithm": "des"}]), ("keys", 0, "algorithm"), "aes"),
        (key_args(readers=["*"]), ("readers",), "not a Keystone user id"),
        (key_args(secrets=["snds"]), ("secrets",), "name of a key"),
        (key_args(region="PLAIN-1"), ("region",), "not SecNumCloud-qualified"),
    ],
)
def test_refused_before_anything_is_registered(
    args: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    error, run = refused(ComponentRefusedError, args)
    assert isinstance(error, ComponentRefusedError)
    assert loc in [tuple(e["loc"]) for e in error.errors()], error
    assert message in str(error)
    assert run.registered() == []


def test_secret_values_must_be_outputs_and_match_the_names() -> None:
    error, run = refused(TypeError, key_args(), {"db-passphrase": "plain"})
    assert "never plain" in str(error)
    assert run.registered() == []
    error, run = refused(ValueError, key_args(), {})
    assert "db-passphrase" in str(error)
    assert run.registered() == []
