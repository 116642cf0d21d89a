"""no-plaintext-secret on secrets hidden in encodings, in one-word variables, in URLs and PEM blocks, and
on values that merely sit under a secret's name (`http_tokens: optional`). Verdicts written by hand."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest
from conftest import context, pulumi_provider, pulumi_resource, terraform_resource
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from souverain.policies.no_plaintext_secret import (
    POLICY,
    _text_finding,
    names_a_secret,
    secret_value,
    secrets_in_value,
)
from test_decode import mime

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Violation

INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
CLEAR = "Tr0ub4dor-and-3"


def _violations(resources: list[Resource], catalog: Catalog) -> list[Violation]:
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack(resources, context(catalog)))
    for violation in found:
        assert CLEAR not in violation.message
    return found


def _paths(resources: list[Resource], catalog: Catalog) -> list[str | None]:
    return sorted(v.path or "" for v in _violations(resources, catalog))


def _both(user_data: str) -> list[Resource]:
    """The same user_data as a Pulumi preview and a Terraform plan carry it."""
    return [
        pulumi_resource(INSTANCE, {"userData": user_data}, name="p"),
        terraform_resource(TF_INSTANCE, {"user_data": user_data}, name="t"),
    ]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def gz_b64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


SECRET_CONFIG = f"#cloud-config\nusers:\n  - name: ops\n    passwd: {CLEAR}\n"
CLEAN_CONFIG = "#cloud-config\nusers:\n  - name: ops\n    lock_passwd: true\n"
SECRET_SCRIPT = f"#!/bin/sh\nexport PGPASSWORD={CLEAR}\npsql -h db.snc.acme.test -U app\n"
CLEAN_SCRIPT = "#!/bin/sh\nexport PGPASSWORD=$(cat /run/secrets/pg)\npsql -h db.snc.acme.test -U app\n"


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (gz_b64, "gzip+base64 (cloudinit_config's default)"),
        (lambda text: base64.encodebytes((text * 4).encode()).decode(), "base64 with line breaks"),
        (lambda text: mime(("text/cloud-config", "base64", b64(text))), "MIME part, base64"),
        (
            lambda text: gz_b64(
                mime(
                    ("text/x-shellscript", "7bit", "#!/bin/sh\ntrue\n"),
                    ("text/cloud-config", "base64", b64(text)),
                )
            ),
            "gzip+base64 MIME",
        ),
    ],
)
def test_secrets_inside_encoded_user_data(small_catalog: Catalog, encode: Any, name: str) -> None:
    for secret, clean in ((SECRET_CONFIG, CLEAN_CONFIG), (SECRET_SCRIPT, CLEAN_SCRIPT)):
        assert _paths(_both(encode(secret)), small_catalog) == ["user_data", "user_data"], name
        assert _paths(_both(encode(clean)), small_catalog) == [], name


def test_write_files_b64_content_is_decoded(small_catalog: Catalog) -> None:
    head = "#cloud-config\nwrite_files:\n  - path: /etc/app.env\n    encoding: b64\n"
    secret = head + f"    content: {b64(f'DB_PASSWORD={CLEAR}' + chr(10) + 'LOG=info' + chr(10))}\n"
    clean = head + f"    content: {b64('DB_HOST=db.snc.acme.test' + chr(10) + 'LOG_LEVEL=info' + chr(10))}\n"
    assert _paths(_both(secret), small_catalog) == ["user_data", "user_data"]
    assert _paths(_both(clean), small_catalog) == []


def test_a_decompression_bomb_fails_closed(small_catalog: Catalog) -> None:
    bomb = base64.b64encode(gzip.compress(b"#cloud-config\n" + b" " * (5 << 20))).decode()
    found = _violations(_both(bomb), small_catalog)
    assert [v.path for v in found] == ["user_data", "user_data"]
    assert all("cannot be shown to hold no secret" in v.message for v in found)


@pytest.mark.parametrize(
    "line",
    [
        f"PGPASSWORD={CLEAR} psql -h db -U app",
        f"export MYSQL_PWD={CLEAR}",
        f"PASSWORD={CLEAR}",
        f"export KEYSTONEPASSWORD='{CLEAR}'",
        f"docker run -e POSTGRES_PASSWORD={CLEAR} registry.snc.acme.test/postgres:16",
        f"Server=db.snc.acme.test;Database=hdh;User Id=app;Password={CLEAR};",
    ],
)
def test_one_word_secret_variables_in_any_text(small_catalog: Catalog, line: str) -> None:
    pulumi = pulumi_resource(INSTANCE, {"metadata": {"bootstrap": line}})
    tf = terraform_resource("openstack_compute_instance_v2", {"metadata": {"bootstrap": line}})
    assert _paths([pulumi, tf], small_catalog) == ["metadata.bootstrap", "metadata.bootstrap"]


@pytest.mark.parametrize(
    "line",
    [
        "PGPASSWORD=$PGPASS psql -h db -U app",
        "export MYSQL_PWD=${MYSQL_PWD}",
        "PASSWORD=$(cat /run/secrets/db)",
        "docker run -e POSTGRES_PASSWORD_FILE=/run/secrets/pg registry.snc.acme.test/postgres:16",
        "Server=db.snc.acme.test;Database=hdh;Integrated Security=true;",
    ],
)
def test_references_in_texts_are_not_secrets(small_catalog: Catalog, line: str) -> None:
    resource = pulumi_resource(INSTANCE, {"metadata": {"bootstrap": line}})
    assert _paths([resource], small_catalog) == []


def test_env_maps_and_name_value_pairs(small_catalog: Catalog) -> None:
    env_map = pulumi_resource(
        "docker:index/container:Container", {"envs": {"PGPASSWORD": CLEAR, "PGUSER": "app"}}
    )
    pairs = pulumi_resource(
        "kubernetes:apps/v1:Deployment",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "db",
                                "env": [
                                    {"name": "PGUSER", "value": "app"},
                                    {"name": "PGPASSWORD", "value": CLEAR},
                                ],
                            }
                        ]
                    }
                }
            }
        },
    )
    tf_pairs = terraform_resource(
        "kubernetes_deployment",
        {
            "spec": [
                {"template": [{"spec": [{"container": [{"env": [{"name": "MYSQL_PWD", "value": CLEAR}]}]}]}]}
            ]
        },
    )
    assert _paths([env_map], small_catalog) == ["envs.pgpassword"]  # the Pulumi reader snake-cases map keys
    assert _paths([pairs], small_catalog) == ["spec.template.spec.containers[0].env[1].value"]
    assert _paths([tf_pairs], small_catalog) == ["spec[0].template[0].spec[0].container[0].env[0].value"]
    referenced = pulumi_resource(
        "kubernetes:apps/v1:Deployment",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "env": [
                                    {
                                        "name": "PGPASSWORD",
                                        "valueFrom": {"secretKeyRef": {"name": "pg", "key": "password"}},
                                    },
                                    {"name": "LOG_LEVEL", "value": "debug-verbose"},
                                ]
                            }
                        ]
                    }
                }
            }
        },
    )
    assert _paths([referenced], small_catalog) == []


@pytest.mark.parametrize(
    "url",
    [
        f"postgres://app:{CLEAR}@db.snc.acme.test:5432/hdh",
        f"amqp://broker:{CLEAR}@mq.snc.acme.test/vhost",
        f"redis://:{CLEAR}@cache.snc.acme.test:6379/0",
        f"https://deploy:{CLEAR}@git.snc.acme.test/hdh/infra.git",
    ],
)
def test_passwords_in_url_userinfo(small_catalog: Catalog, url: str) -> None:
    pulumi = pulumi_resource(INSTANCE, {"metadata": {"database": url}})
    tf = terraform_resource(TF_INSTANCE, {"metadata": {"database": url}})
    assert _paths([pulumi, tf], small_catalog) == ["metadata.database", "metadata.database"]
    cloud_init = _both(f"#cloud-config\nruncmd:\n  - [sh, -c, 'pg_dump {url} > /tmp/x']\n")
    assert _paths(cloud_init, small_catalog) == ["user_data", "user_data"]


def test_urls_without_a_password_are_not_secrets(small_catalog: Catalog) -> None:
    for url in (
        "postgres://app@db.snc.acme.test:5432/hdh",
        "postgres://app:${PGPASSWORD}@db.snc.acme.test/hdh",
        "https://git.snc.acme.test/hdh/infra.git",
        "mailto:dpo@hdh.example",
    ):
        assert _paths([pulumi_resource(INSTANCE, {"metadata": {"database": url}})], small_catalog) == [], url


def test_provider_auth_url_with_a_password(small_catalog: Catalog) -> None:
    provider = pulumi_provider("openstack", {"authUrl": f"https://ops:{CLEAR}@auth.snc.acme.test/v3"})
    [violation] = _violations([provider], small_catalog)
    assert violation.path == "auth_url"
    assert "a password in a URL" in violation.message


PEMS = {
    "RSA": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "EC": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----",
    "OPENSSH": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
    "PKCS8": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----",
    "ENCRYPTED": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHzBJBgkq\n-----END ENCRYPTED PRIVATE KEY-----",
    "PGP": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----",
}


@pytest.mark.parametrize("kind", sorted(PEMS))
def test_pem_private_keys_anywhere(small_catalog: Catalog, kind: str) -> None:
    pem = PEMS[kind]
    in_metadata = pulumi_resource(INSTANCE, {"metadata": {"tls": pem}})
    one_line = terraform_resource(TF_INSTANCE, {"metadata": {"tls": pem.replace("\n", "\\n")}})
    encoded = terraform_resource("openstack_objectstorage_object_v1", {"content": b64(pem + "\n")})
    assert _paths([in_metadata, one_line, encoded], small_catalog) == [
        "content",
        "metadata.tls",
        "metadata.tls",
    ]


def test_public_keys_and_certificates_are_not_private_keys(small_catalog: Catalog) -> None:
    cert = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----"
    public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQY\n-----END PUBLIC KEY-----"
    resources = [
        pulumi_resource(INSTANCE, {"metadata": {"ca": cert, "pub": public}}),
        terraform_resource("openstack_objectstorage_object_v1", {"content": b64(cert + "\n")}),
    ]
    assert _paths(resources, small_catalog) == []


# --- item 12: values judged, not only key names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("http_tokens", "optional"),
        ("http_tokens", "required"),
        ("api_key_source", "HEADER"),
        ("api_key_source", "AUTHORIZER"),
        ("token_binding", "disabled"),
        ("password_reset", "false"),
        ("client_secret", "${var.client_secret}"),
        ("db_password", "{{ vault_db_password }}"),
        ("admin_token", "<paste the token here>"),
        ("api_key", "***"),
        ("secret", "arn:aws:secretsmanager:eu-west-3:123456789012:secret:db"),
        ("password_file_secret", "/run/secrets/db"),
        ("token", "on"),
    ],
)
def test_settings_under_secret_names_are_not_secrets(small_catalog: Catalog, key: str, value: str) -> None:
    assert names_a_secret(key) or key == "api_key_source"
    assert not secret_value(value)
    pulumi = pulumi_resource("aws:ec2/instance:Instance", {"metadataOptions": {key: value}})
    tf = terraform_resource("aws_instance", {"metadata_options": [{key: value}]})
    assert _paths([pulumi, tf], small_catalog) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("http_tokens", "x8Fj2kLm9Qz"),
        ("api_key", "sk_live_51HqLyjWDarjtT1zdp7dc"),
        ("db_password", "changeme"),
        ("db_password", "hunter2"),
        ("psk", "S3cr3t!"),
        ("client_secret", "AB12CD34EF"),
        ("PGPASSWORD", "password1"),
        ("client_secret", "QWERTYUIOPASDFGHJKLZXCVBNMQWERTYUIOPASDFGH"),  # capitals, but too long for an enum
    ],
)
def test_real_looking_secrets_under_secret_names_fail_closed(
    small_catalog: Catalog, key: str, value: str
) -> None:
    assert secret_value(value)
    pulumi = pulumi_resource(INSTANCE, {"metadata": {key: value}})
    tf = terraform_resource(TF_INSTANCE, {"metadata": {key: value}})
    assert _paths([pulumi, tf], small_catalog) == [f"metadata.{key}", f"metadata.{key}"]


def test_one_word_names() -> None:
    for name in (
        "PGPASSWORD",
        "MYSQL_PWD",
        "KEYSTONEPASSWD",
        "VAULTTOKEN",
        "adminpassphrase",
        "clientsecret",
    ):
        assert names_a_secret(name), name
    for name in ("PGUSER", "PGHOST", "bypass", "compass", "PASSWORD_FILE", "token_url", "secret_ref"):
        assert not names_a_secret(name), name


@pytest.mark.parametrize(
    "line",
    [
        f"PASSWORD:{CLEAR}",  # a password entry in capitals, no space after the colon
        f"Password:{CLEAR}",
        f"client_secret:\t{CLEAR}",  # an assignment with a tab after the colon
        f"DB_PASSWORD:\t{CLEAR}",
    ],
)
def test_secret_entries_in_any_case_and_spacing(small_catalog: Catalog, line: str) -> None:
    """Each of these once passed: the cheap test run before the full scan looked for `passw` in lower case
    and `: ` with a space only, so the scan that finds them never ran."""
    pulumi = pulumi_resource(INSTANCE, {"metadata": {"bootstrap": line}}, name="p")
    tf = terraform_resource(TF_INSTANCE, {"metadata": {"bootstrap": line}}, name="t")
    assert _paths([pulumi, tf], small_catalog) == ["metadata.bootstrap", "metadata.bootstrap"]
    assert _paths(_both(f"#cloud-config\n{line}\n"), small_catalog) == ["user_data"] * 2


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


_SECRET_WORDS = ["password", "passwd", "chpasswd", "client_secret", "db_password", "token", "api_key"]
_ENTRIES = st.tuples(
    st.sampled_from(["", " ", "- ", "export ", "{", ",", "'", "x"]),
    st.sampled_from(_SECRET_WORDS).flatmap(_any_case),
    st.sampled_from([":", ": ", ":\t", "=", " = ", " :  ", "::"]),
    st.sampled_from([CLEAR, "'" + CLEAR + "'", "$X", "RANDOM", "ab", "root:" + CLEAR]),
).map("".join)
_FRAGMENTS = st.one_of(
    _ENTRIES,
    st.sampled_from(
        [
            "AKIA",
            "ABCDEFGHIJKLMNOP",
            "-----BEGIN RSA PRIVATE KEY-----",
            "PuTTY-User-Key-File-2:",
            "://",
            "@",
            "\n",
            " ",
            "\t",
            "#",
            "u:" + CLEAR + "@db.snc.acme.test",
        ]
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS, min_size=1, max_size=8).map("".join))
def test_the_cheap_test_never_hides_what_the_scan_finds(text: str) -> None:
    """Whatever the full scan of a text finds, the policy reports: the C-speed test that spares most
    strings the scan must let through every text the scan would flag."""
    found, _ = secrets_in_value(text)
    assert (_text_finding(text) is not None) == bool(found)
