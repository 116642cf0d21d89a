"""policies/_hosts.py to the letter: the registry an image reference names, the image of a command line,
the host a URL or a whole value names, which names are internal, file names or references.

Written against mutants of `policies/_hosts.py` that survived the policies' tests. Each expectation is
written by hand from the grammar it follows: Docker's reference grammar (`distribution/reference`: the
first component is a registry when it holds a `.` or a `:` or is `localhost`), RFC 3986 (a URL's host, an
IPv6 literal in brackets), RFC 6761 (`localhost`), RFC 5737 (documentation addresses).
"""

from __future__ import annotations

import pytest
from souverain.policies._hosts import (
    image_registry,
    images_in_text,
    is_internal_name,
    judged_name,
    public_address,
    url_hosts,
    whole_value_host,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("registry.example.eu/app:1.2", ("registry.example.eu", True)),
        ("registry:5000/team/app:1", ("registry", True)),  # a port makes a one-label host a registry
        ("localhost/app", ("localhost", True)),
        ("[fd00::1]:5000/app:1", ("fd00::1", True)),  # an IPv6 literal, brackets and port removed
        ("[2001:db8::7]/app", ("2001:db8::7", True)),
        ("REGISTRY.Example.EU/app", ("registry.example.eu", True)),
        ("postgres:16", (None, False)),  # the default registry
        ("library/nginx", (None, False)),
        (f"app@{DIGEST}", (None, False)),
        (DIGEST, None),  # an image ID, not a reference
        ("", None),
        ("{{ image }}", None),
    ],
)
def test_the_registry_an_image_reference_names(
    reference: str, expected: tuple[str | None, bool] | None
) -> None:
    assert image_registry(reference) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("docker run --rm registry.example.eu/app:1 /bin/sh -c true", ["registry.example.eu/app:1"]),
        ("podman pull --creds u:p quay.example.eu/team/tool", ["quay.example.eu/team/tool"]),
        ("docker run -d --name web -p 80:80 nginx:1.27 nginx -g daemon", ["nginx:1.27"]),
        ("docker run --name web", []),  # options only: no image
        ("docker run -it", []),
    ],
)
def test_the_image_of_a_command_line_is_its_first_argument(text: str, expected: list[str]) -> None:
    assert list(images_in_text(text)) == expected


@pytest.mark.parametrize(
    ("name", "internal"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("db", True),  # a single label: resolved inside the tenant
        ("vault", True),
        ("db.svc.cluster.local", True),
        ("api.internal", True),
        ("vault.example.eu", False),
        ("localhost.example.eu", False),
    ],
)
def test_internal_names(name: str, internal: bool) -> None:
    assert is_internal_name(name) is internal


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("vault.example.eu", None),  # a name, not an address
        ("not an address", None),
        ("8.8.8.8", True),
        ("203.0.113.7", True),  # RFC 5737: stands for a public address
        ("[2001:db8::1]", True),  # RFC 3849, in URL brackets
        ("10.0.0.1", False),
        ("[fd00::1]", False),
    ],
)
def test_public_addresses(host: str, public: bool | None) -> None:
    assert public_address(host) is public


@pytest.mark.parametrize(
    ("host", "judged"),
    [
        ("Vault.Example.EU.", "vault.example.eu"),
        ("app.backup.yaml", None),  # a file name: its last label is an extension
        ("config.yaml", None),
        ("yaml.example.eu", "yaml.example.eu"),  # an extension elsewhere than last is a label
        ("var.region", None),  # a Terraform reference: its first label is a prefix
        ("module.net.id", None),
        ("www.var.fr", "www.var.fr"),  # a prefix elsewhere than first is a label
        ("db.internal", None),
        ("openstack_networking_port_v2.x", None),
    ],
)
def test_judged_names(host: str, judged: str | None) -> None:
    assert judged_name(host) == judged


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("https://u:p@vault.example.eu:8200/v1", ["vault.example.eu"]),
        ("see https://[2001:db8::1]:8443/x and http://[fd00::2]/", ["2001:db8::1", "fd00::2"]),
        ("https://registry.example.eu./v2", ["registry.example.eu"]),
        ("no url here", []),
    ],
)
def test_url_hosts(text: str, hosts: list[str]) -> None:
    assert list(url_hosts(text)) == hosts


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("vault.example.eu", "vault.example.eu"),
        (" smtp.example.eu:587 ", "smtp.example.eu"),
        ("", None),
        ("   ", None),
        ("two words", None),
        ("host.example.eu/path", None),
        ("user@host.example.eu", None),
    ],
)
def test_whole_value_hosts(value: str, host: str | None) -> None:
    assert whole_value_host(value) == host
