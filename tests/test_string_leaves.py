"""The shared string walk (`policies/_support.gather_string_leaves`) decides which strings the string
policies read at all: a string it leaves out is never judged. Hand-written cases for the families it once
left out, and properties checked against the scans themselves (not against the walk's own tests)."""

from __future__ import annotations

import base64

import pytest
from conftest import FIXTURES, SMALL_CATALOG, context, pulumi_resource, terraform_resource
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from souverain.policies import known_external_host, no_plaintext_secret, no_us_controlled
from souverain.policies._decode import decode, looks_encoded
from souverain.policies._hosts import images_in_text
from souverain.policies._support import gather_string_leaves
from souverain.policies.no_plaintext_secret import secrets_in_value

from souverain.catalog import Catalog, load_catalog
from souverain.model import Resource, Secret

CLEAR = "Tr0ub4dor-and-3"
US_HOOK = "https://hooks.bigcloudapis.test/services/T0/B0"  # US-controlled in registries.yaml
UNKNOWN_HOST = "alerts.unknown-vendor.com"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG, FIXTURES / "catalogs" / "registries.yaml"], replace=True)


def _both(note: str) -> list[Resource]:
    return [
        pulumi_resource("openstack:compute/instance:Instance", {"metadata": {"note": note}}, name="p"),
        terraform_resource("openstack_compute_instance_v2", {"metadata": {"note": note}}, name="t"),
    ]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "note",
    [
        "echo {run} | base64 -d | sh",  # no `.`, `:` or `=` around the run: once read by no policy
        "echo {run}|base64 --decode>/tmp/x.sh",
        "printf %s {run} | b64decode",
    ],
)
def test_a_base64_run_in_a_one_line_command_is_decoded_by_every_scan(catalog: Catalog, note: str) -> None:
    run = _b64(f"curl {US_HOOK} https://{UNKNOWN_HOST}/x PGPASSWORD={CLEAR}").rstrip("=")
    for resource in _both(note.format(run=run)):
        ctx = context(catalog)
        assert no_us_controlled.POLICY.check_resource is not None
        us = [v for v in no_us_controlled.POLICY.check_resource(resource, ctx) if v.path]
        assert [v.path for v in us] == ["metadata.note"]
        assert "hooks.bigcloudapis.test" in us[0].message
        assert known_external_host.POLICY.check_resource is not None
        unknown = list(known_external_host.POLICY.check_resource(resource, ctx))
        assert [v.path for v in unknown] == ["metadata.note"]
        assert UNKNOWN_HOST in unknown[0].message
        assert no_plaintext_secret.POLICY.check_stack is not None
        secrets = list(no_plaintext_secret.POLICY.check_stack([resource], ctx))
        assert [v.path for v in secrets] == ["metadata.note"]
        assert CLEAR not in secrets[0].message


@pytest.mark.parametrize(
    "note",
    [
        "aws AKIAIOSFODNN7EXAMPLE",  # a space: not a whole base64 value, no `=` or `:`
        "AKIAIOSFODNN7EXAMPLE-old",
        "rotated ASIAIOSFODNN7EXAMPLE yesterday at the.office",
    ],
)
def test_an_aws_key_inside_a_sentence_is_a_secret(catalog: Catalog, note: str) -> None:
    assert no_plaintext_secret.POLICY.check_stack is not None
    found = list(no_plaintext_secret.POLICY.check_stack(_both(note), context(catalog)))
    assert [v.path for v in found] == ["metadata.note", "metadata.note"]
    assert all("AWS access key" in v.message for v in found)


def test_ordinary_strings_are_left_out() -> None:
    leaves = gather_string_leaves(
        {
            "name": "ps-0428-bastion",
            "id": "5f0c1e9a-8d2b-4c57-9f6e-0a1b2c3d4e5f",
            "cidr": "10.0.0.0/24",
            "created": "2025-07-16T19:43:46Z",
            "flavor": "b2-7",
            "tags": ["x86_64", "research"],
        }
    )
    assert leaves.host_like == ["10.0.0.0/24"]
    assert leaves.dense == []
    assert leaves.texts_in_clear == []
    assert sorted(leaves.keys_in_clear) == ["cidr", "created", "flavor", "id", "name", "tags", "tags"]


_FRAGMENTS = st.sampled_from(
    [
        "echo",
        " ",
        "|",
        "base64",
        "-d",
        "b64",
        "AKIA",
        "ASIA",
        "IOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----",
        "password",
        "PASSWD",
        ":",
        ": ",
        "=",
        "\n",
        "@",
        "://",
        "u",
        CLEAR,
        "2025-07-16T19:43:46Z",
        "multipart/",
        "boundary",
        "docker",
        "crictl",
        " run ",
        ",run,",
        "[",
        "nginx",
        "kubectl ",
        "--image=",
        _b64(f"PGPASSWORD={CLEAR} {US_HOOK}"),
        _b64("x" * 30),
        "hooks.bigcloudapis.test",
    ]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS, min_size=1, max_size=7).map("".join), st.booleans())
@example("sudo docker run nginx", False)
@example("[docker,run,nginx]", True)
@example("kubectl run x --image=nginx", False)
@example("docker\trun\tnginx", False)
@example("echo " + "QUtJQUlPU0ZPRE5ON0VYQU1QTEVBQUFB" * 2 + " | base64 -d", False)
@example("multipart/boundary", False)
def test_the_walk_keeps_every_string_a_scan_would_flag(text: str, hidden: bool) -> None:
    """Whatever the secret scan finds in a string in clear, the walk lists among the texts; whatever
    decodes to a layer (or cannot be decoded within the bounds), names a host or an image, among the strings
    the host scans read, in clear or inside a secret.

    Decodes, not `looks_encoded`: that is the scans' cheap hint, true of any text naming `multipart/` and
    `boundary`; `multipart/boundary` (18 characters, no `:`, so no MIME header) has no part, and the walk
    rightly leaves it out. Stated with `looks_encoded`, this property failed on it whenever hypothesis drew
    those two fragments (then on every later run, from its example database)."""
    value = Secret(text) if hidden else text
    leaves = gather_string_leaves({"metadata": {"note": value}, "tags": [value]})
    host_scanned = [*leaves.host_like, *leaves.dense]
    decoded = decode(text) if looks_encoded(text) else None
    layered = decoded is not None and bool(decoded.texts or decoded.problem)
    if layered or "." in text or (":" in text and text != "2025-07-16T19:43:46Z"):
        assert host_scanned.count(text) == 2
    if list(images_in_text(text)):
        assert host_scanned.count(text) == 2
    if not hidden and secrets_in_value(text)[0]:
        assert leaves.texts_in_clear.count(text) == 2
