"""no-public-data: no bucket, object or access grant makes stored data readable by anyone.

A bucket ACL `public-read`, an IAM grant to `allUsers`, an object whose visibility is `public-read`, a
bucket whose access type is `public`: each publishes what the bucket holds to the whole internet, whatever
the network rules say. Which properties and values do that is provider vocabulary, listed in `kinds.yaml`
under `public_access`; this module only matches them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from souverain.kinds import public_access_rules, rule_matches, rule_unknown
from souverain.model import Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import parse_network
from .no_public_ingress import is_public

PUBLIC_DATA_KINDS = frozenset({"object_container", "object", "object_access"})
"""The kinds this policy judges; resources of other kinds are never opened."""


def _is_public_cidr(text: str) -> bool:
    """A CIDR or address one of whose addresses could be an internet host; text that is no network is
    not proven private either, so it counts as public (fail closed)."""
    network = parse_network(text)
    return network is None or is_public(network)


_EVERYONE = frozenset({"*"})


def _grants_everyone(document: Any) -> bool:
    """Whether an S3-style bucket policy (Scaleway, and any S3-compatible store) allows some action to
    everyone: a statement with `Effect: Allow` and `Principal: "*"` (or `{"AWS": "*"}`, `{"SCW": "*"}`,
    lists of them), or a `NotPrincipal` (everyone but those named). A `Condition` is not evaluated: it may
    narrow such a statement, which is still reported (fail closed). A document that is not a JSON policy
    cannot be shown to grant nothing: it counts as public too."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return True
    if not isinstance(document, Mapping):
        return True
    statements = document.get("Statement", document.get("statement"))
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return True
    for statement in statements:
        if not isinstance(statement, Mapping):
            return True
        if str(statement.get("Effect", statement.get("effect", ""))).casefold() != "allow":
            continue
        if "NotPrincipal" in statement:
            return True
        principal = statement.get("Principal", statement.get("principal"))
        values = principal.values() if isinstance(principal, Mapping) else [principal]
        for value in values:
            named = value if isinstance(value, list) else [value]
            if _EVERYONE.intersection(str(item).strip() for item in named):
                return True
    return False


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    if resource.kind not in PUBLIC_DATA_KINDS or not resource.is_cloud_resource:
        return
    for rule in public_access_rules(resource.kind):
        if rule_matches(
            rule, resource.properties, is_public_cidr=_is_public_cidr, is_public_policy=_grants_everyone
        ):
            yield Violation(
                f"{rule.dotted} makes the stored data readable from the internet ({_what(rule.condition)})",
                path=rule.dotted,
            )
        elif rule_unknown(rule, resource.properties):
            yield Violation(
                f"{rule.dotted} is unknown until apply, so the data cannot be shown not to be public",
                unknown=True,
                path=rule.dotted,
            )


def _what(condition: str) -> str:
    if condition == "public_cidr":
        return "an address range that includes internet hosts is allowed"
    if condition == "public_policy":
        return 'a policy statement allows everyone (Principal "*")'
    return "a public ACL, visibility or grant to all users"


POLICY = Policy(
    id="no-public-data",
    title="No bucket or object readable by anyone",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "A public bucket ACL, an IAM grant to allUsers or a public object publishes health data to the whole "
        "internet, past every network rule and without authentication. Access to health data is granted to "
        "named identities only, and logged."
    ),
    remediation=(
        "Keep buckets and objects private (`private` ACL and visibility, no `allUsers` or "
        '`allAuthenticatedUsers` member, `access_type = "private"`) and grant read access to the identities '
        "that need it; serve public content from a separate stack that holds no health data, under a "
        "reviewed waiver."
    ),
    requirements=("SecNumCloud 3.2 §9.7", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
    applies_to=PUBLIC_DATA_KINDS.__contains__,
)
