"""known-external-host: every external host a resource reaches is one the catalog knows.

A deny-list of US services is only as good as its entries: a host it does not list passes
no-us-controlled-service whoever runs it. So a host that the catalog does not know at all (no offer's
Keystone host or domain, no listed sovereign service, no known US service) is itself a finding, as an
unknown package is: advisory by default, mandatory where the policy config says so. To trust a host,
record it in a catalog overlay with its operator and a source (`kind: service`, `us_controlled: false`).

Which strings name a host (`_hosts`), so that few findings are false:
- the host of a URL (`https://hooks.example.eu/x`, `postgres://u@db.example.eu`), an IP address included;
- a whole value that is a DNS name or `name:port` (`vault.example.eu`, `smtp.example.eu:587`) under a key
  that names a host (`HOST_KEY_WORDS`: `endpoint`, `server`, `host`, `registry`...), never under a key
  naming the resource itself (`SELF_KEYS`: a DNS record's `name`, an instance's `hostname`): a flavor
  (`t3.micro`) or any other dotted word under another key is not read as a host;
- the registry of a container image reference (`registry.example.eu/app:1`), in properties and texts;
- the same in every text decoded from a value (base64, gzip, MIME parts; `_decode`).
Not hosts: internal names (`localhost`, one label, `.internal`, `.local`, `.lan`, `.svc`, `.cluster.local`,
`.novalocal`...), addresses outside the public internet (RFC 1918, loopback, link-local...), file names
(`config.yaml`, `app.py`), version strings (`v1.2.3`: the last label must start with a letter),
identifiers with `_` and Terraform references (`var.region`, `module.x.id`), words inside prose
(`description` is not read, and free text is read for URLs only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from souverain.catalog import Catalog
from souverain.model import Resource, Secret, walk_values
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._decode import decode, looks_encoded
from ._hosts import (
    IMAGE_NAME_TYPES,
    image_references,
    image_registry,
    images_in_text,
    judged_name,
    public_address,
    url_hosts,
    whole_value_host,
)
from ._support import catalog_memo, string_leaves

SKIPPED_KEYS = frozenset({"description"})
"""Prose for people: a domain named in a description is not a service the resource reaches."""
SELF_KEYS = frozenset(
    {
        "name", "names", "hostname", "host_name", "fqdn", "dns_name", "dns_names", "domain", "domain_name",
        "zone", "zone_name", "server_name", "common_name", "subject_alternative_names", "aliases", "email",
    }
)  # fmt: skip
"""Keys whose whole-value host names the resource itself (a DNS zone, a record, an instance's own name, a
certificate's subject), not a host it reaches. URLs under them are still read."""


HOST_KEY_WORDS = (
    "host", "endpoint", "server", "url", "uri", "address", "registry", "remote", "target", "upstream",
    "proxy", "dns", "resolver", "nameserver", "webhook", "hook", "mirror", "repository", "origin", "backend",
    "destination", "sink", "broker", "smtp", "relay", "peer", "domain",
)  # fmt: skip
"""Words that make a key's whole value a host (`auth_host`, `smtp_server`, `registry`, `dns_nameservers`)."""


def _host_key(key: str, memo: dict[str, bool] = {}) -> bool:  # noqa: B006 - a deliberate shared memo
    found = memo.get(key)
    if found is None:
        lowered = key.casefold()
        found = memo[key] = lowered not in SELF_KEYS and any(word in lowered for word in HOST_KEY_WORDS)
    return found


_DOT_LETTER = re.compile(r"\.[A-Za-z]")
"""What every DNS name judged holds (its last label starts with a letter): a cheap test before the rest."""
_NONE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


class _Hosts:
    """Unknown hosts per string, for one catalog, cached: plans repeat their strings."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.names: dict[tuple[str, bool], bool] = {}
        """(host, in syntax) -> whether the catalog knows it (or it needs no knowing: internal, private)."""
        self.strings: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        """String -> (unknown hosts found in URLs, texts and image references; unknown whole-value host)."""
        self.clean: set[str] = set()

    def known(self, host: str, in_syntax: bool = True) -> bool:
        """Whether `host` needs no finding: known to the catalog, internal, private, or not a host.
        `in_syntax`: a URL's host or an image's registry; False for a whole value (`judged_name`)."""
        key = (host, in_syntax)
        found = self.names.get(key)
        if found is None:
            address = None if host[:1].isalpha() else public_address(host)  # names start with a letter
            if address is not None:
                found = not address or self.catalog.knows_host(host)
            else:
                name = judged_name(host, in_syntax=in_syntax)
                found = name is None or self.catalog.knows_host(name)
            self.names[key] = found
        return found

    def _in_text(self, text: str) -> Iterator[str]:
        yield from url_hosts(text)
        for reference in images_in_text(text):
            registry = image_registry(reference)
            if registry is not None and registry[0] is not None:
                yield registry[0]

    def unknown(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The unknown hosts `text` names: (in URLs and image references, in itself or decoded; the whole
        value as a host name). Memoized; a string naming none is added to `clean`."""
        found = self.strings.get(text)
        if found is not None:
            return found
        if (
            _DOT_LETTER.search(text) is None  # no DNS name (IP addresses, dates, ids): a URL or an encoding?
            and "://" not in text
            and not looks_encoded(text)
        ):
            self.strings[text] = _NONE
            self.clean.add(text)
            return _NONE
        hosts: list[str] = []
        if "." in text or ":" in text:
            hosts.extend(self._in_text(text))
        if looks_encoded(text):
            for inner in decode(text).texts:
                hosts.extend(self._in_text(inner))
        whole = whole_value_host(text) if "." in text else None
        found = (
            tuple(dict.fromkeys(host for host in hosts if not self.known(host))),
            # a whole-value IP address is not judged (module docstring): `judged_name` refuses it
            (whole,)
            if whole is not None and judged_name(whole) is not None and not self.known(whole, False)
            else (),
        )
        self.strings[text] = found
        if not found[0] and not found[1]:
            self.clean.add(text)
        return found


def _hosts(catalog: Catalog) -> _Hosts:
    return catalog_memo(catalog, "known-external-host", _Hosts)


def _message(path: str, host: str, secret: bool) -> str:
    if secret:
        return f"secret property {path} names a host the catalog does not know, so its operator is unknown"
    return (
        f"{path} names {host}, a host the catalog does not know (no qualified offer, sovereign service or "
        "US service lists it), so its operator cannot be shown to be non-US"
    )


def _property_findings(resource: Resource, hosts: _Hosts) -> Iterator[Violation]:
    for key, value in resource.properties.items():  # rare: an unknown host; the walk again, for the paths
        if key in SKIPPED_KEYS:
            continue
        for path, leaf in walk_values(value, str(key)):
            secret = isinstance(leaf, Secret)
            leaves = walk_values(leaf.reveal(), path) if secret else ((path, leaf),)
            for leaf_path, item in leaves:
                if not isinstance(item, str) or item in hosts.clean:
                    continue
                in_text, whole = hosts.unknown(item)
                last_key = leaf_path.rsplit(".", 1)[-1].split("[", 1)[0]
                named = [*in_text, *(whole if _host_key(last_key) else ())]
                for host in named:
                    yield Violation(_message(leaf_path, host, secret), path=leaf_path)


def _image_findings(resource: Resource, hosts: _Hosts) -> Iterator[Violation]:
    for path, reference, secret in image_references(resource):
        registry = image_registry(reference)
        if registry is None or registry[0] is None or hosts.known(registry[0]):
            continue
        yield Violation(_message(path, registry[0], secret), path=path)


def check(resource: Resource, context: Context) -> Sequence[Violation]:
    """A sequence, not a generator: this runs on every resource and almost always finds nothing."""
    if not resource.custom:
        return ()
    hosts = _hosts(context.catalog)
    leaves = string_leaves(resource, context)
    keys = leaves.keys_in_clear
    images = "image" in keys or "registry_image" in keys or resource.type in IMAGE_NAME_TYPES
    clean = hosts.clean
    if clean.issuperset(leaves.host_like) and clean.issuperset(leaves.dense) and not images:
        return ()
    in_text = whole = False
    for texts in (leaves.host_like, leaves.dense):
        for text in texts:
            if text not in clean:
                named = hosts.unknown(text)
                in_text = in_text or bool(named[0])
                whole = whole or bool(named[1])
    if not images and not in_text and not (whole and any(_host_key(str(key)) for key in set(keys))):
        return ()
    found = list(_property_findings(resource, hosts))
    if images:
        seen = {(v.path, v.message) for v in found}
        found.extend(v for v in _image_findings(resource, hosts) if (v.path, v.message) not in seen)
    return found


POLICY = Policy(
    id="known-external-host",
    title="Every external host a resource reaches is known to the catalog",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    rationale=(
        "The US-controlled services the catalog lists are a deny-list, and a deny-list misses whatever it "
        "does not list. A host that no catalogued offer or service owns has an operator nobody checked: "
        "it may be under US control, or outside the EU, and data or trust sent there is not shown to stay "
        "sovereign. It is reported, not silently trusted."
    ),
    remediation=(
        "Replace the host with the qualified offer's own service, or record it in a catalog overlay as a "
        "`kind: service` entry with its operating entity, country and a source; set this policy "
        "`mandatory` in the policy config to make unknown hosts block the deployment."
    ),
    requirements=("SecNumCloud 3.2 §19.6", "SecNumCloud 3.2 §19.2"),
    check_resource=check,
)
