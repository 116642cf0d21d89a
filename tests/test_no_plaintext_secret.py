"""no-plaintext-secret: admin_pass, user_data, key-manager payloads, secret-named properties, providers."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from conftest import FIXTURES, context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.no_plaintext_secret import POLICY, names_a_secret

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Violation
from souverain.readers import read_plan

INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
SECRET = "openstack:keymanager/secretV1:SecretV1"
TF_SECRET = "openstack_keymanager_secret_v1"
ENVELOPE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
CLEAR = "Tr0ub4dor-and-3"  # the value no message may ever show


def _secret(value: Any) -> dict[str, Any]:
    return {**ENVELOPE, "value": value}


def _violations(resources: list[Resource], catalog: Catalog) -> list[Violation]:
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack(resources, context(catalog)))
    for violation in found:
        assert CLEAR not in violation.message
    return found


def _paths(resources: list[Resource], catalog: Catalog) -> list[str | None]:
    return [v.path for v in _violations(resources, catalog)]


def test_admin_pass_is_refused_even_as_a_secret(small_catalog: Catalog) -> None:
    for admin_pass in (CLEAR, _secret(CLEAR)):
        assert _paths([pulumi_resource(INSTANCE, {"adminPass": admin_pass})], small_catalog) == ["admin_pass"]
    tf = terraform_resource(TF_INSTANCE, {"admin_pass": CLEAR}, after_sensitive={"admin_pass": True})
    assert _paths([tf], small_catalog) == ["admin_pass"]
    assert _paths([pulumi_resource(INSTANCE, {"keyPair": "ops", "name": "bastion"})], small_catalog) == []
    assert (
        _paths([terraform_resource(TF_INSTANCE, {"admin_pass": None, "key_pair": "ops"})], small_catalog)
        == []
    )


PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("user_data", "what"),
    [
        (
            f"#cloud-config\nwrite_files:\n  - path: /root/.ssh/id\n    content: |\n      {PEM}",
            "PEM private key",
        ),
        (f"#cloud-config\nusers:\n  - name: ops\n    passwd: {CLEAR}\n", "password entry"),
        (
            f"#cloud-config\nchpasswd:\n  users:\n    - {{name: root, password: {CLEAR}, type: text}}\n",
            "password entry",
        ),
        (f"#cloud-config\nchpasswd:\n  list: |\n    root:{CLEAR}\n  expire: false\n", "chpasswd entry"),
        (f"#!/bin/sh\nexport DB_PASSWORD={CLEAR}\n", "assignment"),
        (f"#!/bin/sh\ncurl --token={CLEAR} https://vault.snc.acme.test\n", "assignment"),
        ("#!/bin/sh\naws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n", "AWS access key"),
    ],
)
def test_secrets_in_user_data(small_catalog: Catalog, user_data: str, what: str) -> None:
    [violation] = _violations([pulumi_resource(INSTANCE, {"userData": user_data})], small_catalog)
    assert violation.path == "user_data"
    assert what in violation.message
    [violation] = _violations([terraform_resource(TF_INSTANCE, {"user_data": user_data})], small_catalog)
    assert what in violation.message


def test_base64_user_data_is_decoded(small_catalog: Catalog) -> None:
    encoded = base64.b64encode(f"#cloud-config\npassword: {CLEAR}\n".encode()).decode()
    assert _paths([pulumi_resource(INSTANCE, {"userData": encoded})], small_catalog) == ["user_data"]


def test_harmless_user_data(small_catalog: Catalog) -> None:
    harmless = (
        "#cloud-config\nssh_pwauth: false\nusers:\n  - name: ops\n    lock_passwd: true\n"
        "    ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG ops@hdh]\n"
        "chpasswd:\n  users:\n    - {name: ops, password: RANDOM, type: RANDOM}\n"
        "write_files:\n  - path: /etc/app.yaml\n    content: |\n      token_url: https://auth.snc.acme.test/token\n"
        "      password_file: /run/secrets/db\n      api_key: ${API_KEY}\n"
        "runcmd:\n  - [sh, -c, 'export TOKEN=$(cat /run/secrets/token)']\n"
    )
    assert _paths([pulumi_resource(INSTANCE, {"userData": harmless})], small_catalog) == []
    # A Pulumi secret user_data is not scanned: it is encrypted in the state.
    secret = _secret(f"#cloud-config\npassword: {CLEAR}\n")
    assert _paths([pulumi_resource(INSTANCE, {"userData": secret})], small_catalog) == []


def test_key_manager_payload(small_catalog: Catalog) -> None:
    assert _paths(
        [pulumi_resource(SECRET, {"payload": CLEAR, "payloadContentType": "text/plain"})], small_catalog
    ) == ["payload"]
    assert _paths([pulumi_resource(SECRET, {"payload": _secret(CLEAR)})], small_catalog) == []
    assert _paths([terraform_resource(TF_SECRET, {"payload": CLEAR})], small_catalog) == ["payload"]
    sensitive = terraform_resource(TF_SECRET, {"payload": CLEAR}, after_sensitive={"payload": True})
    assert _paths([sensitive], small_catalog) == []


def test_secret_named_properties(small_catalog: Catalog) -> None:
    instance = pulumi_resource(INSTANCE, {"metadata": {"dbPassword": CLEAR, "owner": "dpo"}})
    assert _paths([instance], small_catalog) == ["metadata.dbPassword"]
    user = terraform_resource("openstack_db_user_v1", {"name": "app", "password": CLEAR})
    assert _paths([user], small_catalog) == ["password"]
    hidden = terraform_resource(
        "openstack_db_user_v1", {"password": CLEAR}, after_sensitive={"password": True}
    )
    assert _paths([hidden], small_catalog) == []
    vpn = terraform_resource("openstack_vpnaas_site_connection_v2", {"psk": CLEAR})
    assert _paths([vpn], small_catalog) == ["psk"]


def test_names_about_secrets_are_not_secrets(small_catalog: Catalog) -> None:
    container = pulumi_resource(
        "openstack:keymanager/containerV1:ContainerV1",
        {"secretRefs": [{"name": "certificate", "secretRef": "https://kms.snc.acme.test/v1/secrets/1"}]},
    )
    rule = terraform_resource(
        "openstack_networking_secgroup_rule_v2", {"security_group_id": "sg", "remote_group_id": "sg2"}
    )
    keypair = pulumi_resource("openstack:compute/keypair:Keypair", {"publicKey": "ssh-ed25519 AAAA"})
    secret = pulumi_resource(SECRET, {"secretType": "opaque", "payloadContentType": "text/plain"})
    assert _paths([container, rule, keypair, secret], small_catalog) == []
    for name in ("token_url", "password_length", "secret_ref", "key_pair", "security_group_id", "keystone"):
        assert not names_a_secret(name), name
    for name in (
        "password",
        "adminPassword",
        "client_secret",
        "api-key",
        "privateKey",
        "auth_token",
        "apikey",
    ):
        assert names_a_secret(name), name


def test_provider_credentials_once_per_provider(small_catalog: Catalog) -> None:
    inputs = {"authUrl": "https://auth.snc.acme.test/v3", "userName": "ops", "password": CLEAR}
    stack = [
        pulumi_provider("openstack", inputs),
        pulumi_resource("openstack:blockstorage/volume:Volume", {}, name="a", provider_inputs=inputs),
        pulumi_resource("openstack:blockstorage/volume:Volume", {}, name="b", provider_inputs=inputs),
    ]
    [violation] = _violations(stack, small_catalog)
    assert violation.path == "password"
    assert violation.resource is not None
    assert violation.resource.type == "pulumi:providers:openstack"
    safe = {**inputs, "password": _secret(CLEAR)}
    assert _violations([pulumi_provider("openstack", safe)], small_catalog) == []

    config = {
        "region": "SNC-PAR-1",
        "application_credential_id": "abc",
        "application_credential_secret": CLEAR,
    }
    tf = [
        terraform_resource("openstack_blockstorage_volume_v3", {}, name=n, provider_expressions=config)
        for n in "abc"
    ]
    [violation] = _violations(tf, small_catalog)
    assert violation.path == "application_credential_secret"
    assert violation.resource is not None
    assert violation.resource.address == "openstack"
    token = terraform_resource("openstack_blockstorage_volume_v3", {}, provider_expressions={"token": CLEAR})
    assert _paths([token], small_catalog) == ["token"]


def test_terraform_plan_provider_configurations_once_each(small_catalog: Catalog) -> None:
    """Through the real reader: each provider block is judged once, whatever uses it."""
    plan = read_plan(FIXTURES / "plans" / "tofu-plan-modules.json")
    provider_findings = [
        (v.resource.address, v.path)
        for v in _violations(plan.resources, small_catalog)
        if v.resource is not None and v.resource.is_provider
    ]
    # `openstack.lyon` writes its password in the code; `openstack` takes it from a sensitive variable.
    assert provider_findings == [("openstack.lyon", "password")]
