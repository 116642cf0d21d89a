"""What counts as a host a resource reaches: container image registries, URL hosts, host-valued strings.

Shared by `no_us_controlled` (is the host US-controlled?) and `known_external_host` (is it known at all?).

Container images. A reference names its registry in its first path component when that component holds
a `.` or a `:` or is `localhost` (Docker's reference grammar, `distribution/reference`); otherwise it is
pulled from the default registry, which the catalog records (`defaults: [{role: container-registry}]`).
Where an image reference is (`image_references`), by key context, never by the value's look alone:
- a property `image` inside a container description (an ancestor key in `CONTAINER_KEYS`: Kubernetes
  `containers`, Terraform's `container` blocks, Swarm's `container_spec`...), or anywhere in a resource of
  a container package (`CONTAINER_PACKAGES`: `docker_container.image`);
- `registry_image` (Scaleway containers), and `name` of the Docker providers' image resources;
- in texts (cloud-init, scripts): `docker|podman|nerdctl|crictl run|pull|create ... IMAGE` (shell lines and
  cloud-init's list form), `kubectl ... --image IMAGE`, and `image: IMAGE` lines of compose files and
  manifests (`"image": "..."` in JSON).
An OpenStack `image_name` (`ubuntu-22.04`), a Scaleway instance `image` (`ubuntu_jammy`) or a GCE boot disk
`image` (`debian-cloud/debian-12`) is a machine image, not a container image: no container key or package.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from souverain.model import Resource, Secret

from ._support import package_name

CONTAINER_KEYS = frozenset(
    {
        "containers", "container", "init_containers", "init_container", "ephemeral_containers",
        "ephemeral_container", "container_spec", "container_definitions", "sidecars", "sidecar_containers",
    }
)  # fmt: skip
"""Keys under which an `image` is a container's image, whatever the resource type."""
CONTAINER_PACKAGES = frozenset({"docker", "kubernetes"})
"""Packages whose resources run containers: any `image` property of theirs is a container image."""
IMAGE_NAME_TYPES = frozenset(
    {
        "docker_image", "docker_registry_image", "docker:index/remoteImage:RemoteImage",
        "docker:index/registryImage:RegistryImage",
    }
)  # fmt: skip
"""Resource types whose `name` is an image reference (the Docker providers' image resources)."""

_REFERENCE = re.compile(
    r"(?:(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?|\[[0-9A-Fa-f:]+\](?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?"
)
"""A container image reference (Docker's grammar): `[host[:port]/]path[:tag][@digest]`."""


def image_registry(reference: str) -> tuple[str | None, bool] | None:
    """The registry host a reference names, and whether it names one: `(host, True)`, `(None, False)` for
    the default registry, None when `reference` is no image reference (an image ID, a template, prose)."""
    text = reference.strip()
    if not text or text.startswith("sha256:"):
        return None
    match = _REFERENCE.fullmatch(text)
    if match is None:
        return None
    host = match["host"]
    if host is not None and ("." in host or ":" in host or host == "localhost"):
        host = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1 : host.index("]")]
        return host.casefold(), True
    return None, False  # `postgres:16`, `library/nginx`, `org/image`: a Docker Hub namespace, no host


_TEXT_RUN = re.compile(
    r"\b(?:docker|podman|nerdctl|crictl)(?:[\"',]?[ \t,]+[\"']?(?:container|image))?[\"',]?[ \t,]+[\"']?"
    r"(?P<verb>run|pull|create)\b(?P<rest>[^\n;&|]*)"
)
"""A command that pulls an image, as a shell line (`sudo docker run -d nginx`) or as cloud-init's list form
(`[docker, run, -d, nginx]`, `["podman", "pull", "redis"]`); `crictl pull` normalizes like Docker."""
_TEXT_KUBECTL_IMAGE = re.compile(
    r"""\bkubectl[ \t](?:[^\n;&|]*?[ \t])?--image[= \t]+["']?(?P<ref>[^\s"',;&|)\]]+)"""
)
"""`kubectl run NAME --image=REF`, `kubectl create deployment NAME --image REF`: only after `kubectl`, as
`openstack server create --image` names a machine image."""
_TEXT_IMAGE_LINE = re.compile(r"""(?m)^[ \t-]*["']?image["']?[ \t]*:[ \t]*["']?(?P<ref>[^\s"',}]+)""")
_JSON_IMAGE = re.compile(r""""image"\s*:\s*"(?P<ref>[^"\s]+)\"""")
_VALUE_OPTIONS = frozenset(
    {
        "-a", "--attach", "--add-host", "--annotation", "-c", "--cpu-shares", "--cap-add", "--cap-drop",
        "--cgroup-parent", "--cidfile", "--cpus", "--cpuset-cpus", "--device", "--dns", "--dns-option",
        "--dns-search", "-e", "--env", "--env-file", "--entrypoint", "--expose", "--gpus", "--group-add",
        "--health-cmd", "--health-interval", "--health-retries", "--health-timeout", "-h", "--hostname",
        "--ip", "--ip6", "--ipc", "-l", "--label", "--label-file", "--link", "--log-driver", "--log-opt",
        "-m", "--memory", "--memory-swap", "--mount", "--name", "--network", "--net", "--network-alias",
        "--pid", "--platform", "-p", "--publish", "--pull", "--restart", "--runtime", "--security-opt",
        "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl", "--tmpfs", "-u",
        "--user", "--ulimit", "--userns", "--uts", "-v", "--volume", "--volumes-from", "-w", "--workdir",
        "--secret", "--pod", "--creds", "--authfile", "--arch", "--os", "--variant",
    }
)  # fmt: skip
"""`docker run` / `podman run` options followed by a value (`--name web`): skipped with it."""


_ARGUMENT_SEPARATORS = re.compile(r"[\s,]+")
"""Between a command's arguments: blanks, or the commas of cloud-init's list form (`[docker,run,nginx]`)."""


def _command_image(rest: str) -> str | None:
    """The image of a `run`/`pull`/`create` command line: its first argument that is not an option."""
    words = _ARGUMENT_SEPARATORS.split(rest.strip())
    index = 0
    while index < len(words):
        word = words[index].strip("\"'[],")
        if not word:
            index += 1
            continue
        if word.startswith("-"):
            index += 2 if word in _VALUE_OPTIONS else 1
            continue
        return word
    return None


def may_name_images(text: str) -> bool:
    """Whether `images_in_text` may find anything in `text`: each of its patterns needs one of these words.
    Substring tests, asked before the generator on every distinct string of a plan. The shared string walk
    (`_support.gather_string_leaves`) tests the same words in strings without `.` or `:`: keep them in
    step."""
    return "image" in text or "docker" in text or "podman" in text or "nerdctl" in text or "crictl" in text


def images_in_text(text: str) -> Iterator[str]:
    """The image references of `docker run|pull|create` (podman, nerdctl) lines and of `image:` lines
    (compose files, manifests, JSON container definitions) in a text."""
    if not may_name_images(text):
        return
    for match in _TEXT_RUN.finditer(text):
        image = _command_image(match["rest"])
        if image:
            yield image
    if "image" in text:
        for pattern in (_TEXT_IMAGE_LINE, _JSON_IMAGE, _TEXT_KUBECTL_IMAGE):
            for match in pattern.finditer(text):
                yield match["ref"]


def _holds_containers(resource: Resource) -> bool:
    return package_name(resource.package or "") in CONTAINER_PACKAGES


def image_references(resource: Resource) -> Iterator[tuple[str, str, bool]]:
    """(path, reference, whether it is a secret) of every container image reference among the resource's
    properties, by key context (module docstring). A value unknown at preview is skipped."""
    in_package = _holds_containers(resource)
    if resource.type in IMAGE_NAME_TYPES:
        name = resource.properties.get("name")
        if isinstance(_plain(name), str):
            yield "name", _plain(name), isinstance(name, Secret)
    stack: list[tuple[Any, str, bool]] = [(resource.properties, "", in_package)]
    while stack:
        value, path, in_container = stack.pop()
        value = _plain(value)
        if isinstance(value, Mapping):
            for key, raw in value.items():
                key_text = str(key)
                child = f"{path}.{key_text}" if path else key_text
                item = _plain(raw)
                if isinstance(item, str):
                    if key_text == "registry_image" or (in_container and key_text == "image"):
                        yield child, item, isinstance(raw, Secret)
                elif item is not None and not isinstance(item, bool | int | float):
                    stack.append((item, child, in_container or key_text in CONTAINER_KEYS))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                stack.append((item, f"{path}[{index}]", in_container))


def _plain(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


# --- hosts a value names, for `known-external-host` -----------------------------------------------------

INTERNAL_SUFFIXES = (
    ".internal", ".local", ".lan", ".localdomain", ".home.arpa", ".svc", ".cluster.local", ".novalocal",
    ".localhost", ".intranet", ".corp", ".home", ".private", ".invalid", ".test", ".example",
)  # fmt: skip
"""Names that no public DNS resolves (RFC 6762, 8375, 6761; Kubernetes' `.svc`, Nova's `.novalocal`; and
`.corp`/`.home`, which ICANN will not delegate): a service inside the tenant, not an external host. The
special-use `.invalid`, `.test` and `.example` (RFC 6761, 2606) never resolve: no service can be behind them
(Pulumi mocks and examples use them)."""
FILE_EXTENSIONS = frozenset(
    {
        "yaml", "yml", "json", "toml", "ini", "cfg", "conf", "config", "env", "txt", "md", "log", "xml",
        "py", "sh", "bash", "ps1", "js", "ts", "rb", "pl", "php", "go", "rs", "java", "jar", "war", "tf",
        "tfvars", "hcl", "j2", "tpl", "tmpl", "template", "service", "socket", "timer", "mount", "repo",
        "list", "pem", "crt", "cer", "key", "pub", "csr", "p12", "pfx", "gpg", "asc", "sig", "tar", "gz",
        "tgz", "zip", "bz2", "xz", "zst", "deb", "rpm", "iso", "img", "qcow2", "raw", "vmdk", "bin",
        "exe", "dll", "so", "html", "htm", "css", "csv", "sql", "db", "sqlite", "lock", "pid", "sock",
        "d", "bak", "orig", "old", "tmp", "swp",
    }
)  # fmt: skip
"""Last labels that make a dotted word a file name (`config.yaml`, `app.py`, `/etc/hosts.d`), not a host.
A real host under such a top-level domain (`.sh`, `.py`) is missed: the rule prefers few false findings."""
REFERENCE_PREFIXES = frozenset(
    {
        "var",
        "local",
        "module",
        "data",
        "each",
        "count",
        "self",
        "path",
        "terraform",
        "args",
        "pulumi",
        "config",
    }
)
"""First labels of Terraform and Pulumi expressions (`var.region`, `module.net.id`): references, not hosts."""

_HOSTNAME = re.compile(
    r"(?=.{4,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\.?"
)
"""A DNS name of two labels or more whose last label (the top-level domain) starts with a letter; labels
hold letters, digits and inner hyphens only (an `_` marks an identifier: `openstack_networking_port_v2.x`)."""
_URL_HOST = re.compile(
    r"(?:\b[a-zA-Z][a-zA-Z0-9+.-]*:|(?:^|(?<=[\s\"'=(,\[]))(?=//[^/]))"
    r"//(?:[^/\s@'\"<>]*@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^/\s:?#'\"<>,;)\]}]+)"
)
"""The host of every `scheme://[userinfo@]host` in a text, and of a scheme-relative `//host/path` (HTML's
`src="//cdn.example.com/x.js"`, a container-sync target) at the start of a value or after a blank, a
quote, `=`, `(`, `,` or `[`: not inside a path (`a//b`)."""
_HOST_PORT = re.compile(r"(?P<host>[^\s:/]+):[0-9]{1,5}")


def is_internal_name(host: str) -> bool:
    """A name that no public resolver answers: `localhost`, a single label, an internal suffix."""
    name = host.casefold().rstrip(".")
    if name == "localhost" or "." not in name:
        return True
    return name.endswith(INTERNAL_SUFFIXES)


_DOCUMENTATION = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
"""RFC 5737 and RFC 3849 ranges stand for public addresses in examples: judged as public (as
no-public-ingress does)."""


def public_address(host: str) -> bool | None:
    """Whether `host` is a public IP address (globally routable, or a documentation address standing for
    one); None when it is no IP address."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return address.is_global or any(address in network for network in _DOCUMENTATION)


def judged_name(host: str, *, in_syntax: bool = False) -> str | None:
    """`host` as a public DNS name to judge, or None: not a DNS name, internal, a file name, a reference.

    `in_syntax`: the host of a URL or the registry of an image reference, a host by its place in the
    text; only a whole value may be a file name (`config.yaml`) or a reference (`var.region`), so
    `https://data.example.com/` and `local.example.com/app:1` are judged."""
    name = host.casefold().rstrip(".")
    if _HOSTNAME.fullmatch(name) is None or is_internal_name(name):
        return None
    if in_syntax:
        return name
    labels = name.split(".")
    if labels[-1] in FILE_EXTENSIONS or labels[0] in REFERENCE_PREFIXES:
        return None
    return name


def url_hosts(text: str) -> Iterator[str]:
    """The host of each URL in `text` (`https://u:p@h:443/x` -> `h`), brackets of IPv6 literals removed."""
    if "//" not in text:
        return
    for match in _URL_HOST.finditer(text):
        host = match["host"]
        yield host[1:-1] if host.startswith("[") else host.rstrip(".")


def whole_value_host(text: str) -> str | None:
    """The host a whole value is (`vault.example.eu`, `smtp.example.eu:587`), or None."""
    value = text.strip()
    if not value or " " in value or "/" in value or "@" in value:
        return None
    port = _HOST_PORT.fullmatch(value)
    if port is not None:
        value = port["host"]
    return value
