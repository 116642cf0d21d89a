"""The data policies on every provider, in both shapes: bad cases and their compliant twins.

The fixtures (tests/fixtures/providers/<provider>/*-data-*.json) are a `tofu show -json` plan per provider
and, where the provider has a Pulumi package, a `pulumi preview --json` recorded from a program run with
the real SDK (tools/provider_data_fixtures.py). The verdicts below are written by hand from what each
resource holds, against an invented catalog (catalogs/providers-data.yaml) whose offers encrypt nothing by
default, so a resource passes encrypted-storage only by asking for encryption itself.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from souverain.policies import POLICIES_BY_ID

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.model import Plan
from souverain.policy import Settings
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file

FIXTURES = Path(__file__).parent / "fixtures"
PROVIDERS = FIXTURES / "providers"
CATALOG = FIXTURES / "catalogs" / "providers-data.yaml"
CONTRACT = FIXTURES / "catalogs" / "providers-data-contract.yaml"
DATA_POLICIES = ("encrypted-storage", "no-data-destruction", "protected-data-store", "no-plaintext-secret",
                 "no-public-data")  # fmt: skip

ENC, GONE, PROT, CLEAR, PUBLIC = DATA_POLICIES
NONE: frozenset[str] = frozenset()


def _set(*ids: str) -> frozenset[str]:
    return frozenset(ids)


# Expected findings per resource name, in a production stack (protected-data-store applies).
# Terraform plans carry no `protect`: every data store there is unprotected unless its provider protects it
# (`deletion_protection`); the Pulumi programs protect their good twins.
S3NS_TOFU = {
    "good-key": _set(PROT),
    "bad-disk": _set(ENC, PROT),  # no key, and the offer does not encrypt disks by default
    # The good twins name a key created in the same plan: its id is unknown until apply, and a request
    # whose value is unknown cannot be shown to be one (an `unknown` finding, which `--unknowns advisory`
    # lets through: test_reached_offers.py).
    "good-disk": _set(ENC, PROT),  # disk_encryption_key.kms_key_self_link, unknown until apply
    "bad-bucket": _set(ENC, PROT),
    "good-bucket": _set(ENC, PROT),  # encryption.default_kms_key_name, unknown until apply
    "bad-public-reader": _set(PUBLIC),  # member = allUsers
    "good-reader": NONE,
    "bad-acl": _set(PUBLIC),  # role_entity READER:allUsers
    "good-acl": NONE,
    "bad-sql": _set(ENC, PROT),  # no encryption_key_name, deletion_protection false
    "good-sql": _set(ENC),  # encryption_key_name unknown until apply; deletion_protection protects it
    "good-secret": _set(PROT),
    "good-secret-version": _set(PROT),  # secret_data is sensitive; `secret` names the secret, holds nothing
    "bad-pool": _set(ENC),  # no node_config.boot_disk_kms_key
    "good-pool": _set(ENC),  # node_config.boot_disk_kms_key unknown until apply
    "bad-deleted-disk": _set(ENC, GONE),  # a delete is no-data-destruction's, not protected-data-store's
    "bad-replaced-sql": _set(GONE, PROT),  # keyed, but replaced, and not protected
    "good-resized-disk": _set(PROT),  # an update in place keeps the data
}
S3NS_PULUMI = {
    "ring": NONE,  # a key ring holds no key material: not a kind the data policies judge
    "good-key": _set(PROT),
    "bad-disk": _set(ENC, PROT),
    "good-disk": NONE,  # keyed and protected
    "bad-bucket": _set(ENC, PROT),
    "good-bucket": NONE,
    "bad-public-reader": _set(PUBLIC),
    "bad-public-binding": _set(PUBLIC),  # allAuthenticatedUsers among the binding's members
    "good-reader": NONE,
    "bad-sql": _set(ENC, PROT),
    "good-sql": NONE,
    "good-secret": NONE,
    "good-secret-version": NONE,  # the SDK sends secret_data as a secret
    "cluster": NONE,
    "bad-pool": _set(ENC),
    "good-pool": NONE,
    "bad-deleted-disk": _set(ENC, GONE),
    "bad-replaced-sql": _set(GONE, PROT),
}
SCALEWAY_TOFU = {
    # Scaleway volumes, buckets and node pools cannot ask for encryption: the offer's facts decide.
    "bad-volume": _set(ENC, PROT),
    "bad-local-volume": _set(ENC, PROT),
    "bad-bucket": _set(ENC, PROT),
    "bad-bucket-acl": _set(PUBLIC),  # acl = public-read
    "good-bucket-acl": NONE,
    "bad-object": _set(PROT, PUBLIC),  # visibility = public-read
    "good-object": _set(PROT),
    "bad-rdb": _set(ENC, PROT),  # encryption_at_rest = false
    "good-rdb": _set(PROT),  # encryption_at_rest = true; Scaleway has no deletion protection to show
    "good-key": _set(PROT),
    "good-secret": _set(PROT),
    "good-secret-version": _set(PROT),  # data is sensitive
    "bad-pool": _set(ENC),
    "bad-deleted-rdb": _set(GONE),  # encrypted, but deleted
    "bad-replaced-volume": _set(ENC, GONE, PROT),
}
SCALEWAY_PULUMI = {
    "bad-volume": _set(ENC, PROT),
    "bad-local-volume": _set(ENC, PROT),
    "bad-bucket": _set(ENC, PROT),
    "bad-bucket-acl": _set(PUBLIC),
    "good-bucket-acl": NONE,
    "bad-object": _set(PROT, PUBLIC),
    "good-object": _set(PROT),
    "bad-rdb": _set(ENC, PROT),
    "good-rdb": NONE,
    "good-key": NONE,
    "good-secret": NONE,
    "good-secret-version": NONE,  # the SDK sends data as a secret
    "cluster": NONE,
    "bad-pool": _set(ENC),
    "bad-deleted-rdb": _set(GONE),
    "bad-replaced-volume": _set(ENC, GONE, PROT),
}
OVH_TOFU = {
    "bad-volume": _set(ENC, PROT),  # volume_type classic, no encryption block
    "good-volume": _set(PROT),  # encryption.enabled
    "good-luks-volume": _set(PROT),  # classic-luks is an encrypted type of the offer
    "bad-bucket": _set(ENC, PROT),  # encryption.algorithm PLAINTEXT asks for nothing
    "good-bucket": _set(PROT),  # AES256
    # A service key and a secret are where the KMS their okms_id names is; the plan holds no ovh_okms, so
    # they have no region and encrypted-storage fails closed on them.
    "good-key": _set(ENC, PROT),
    "good-secret": _set(ENC, PROT),  # version.data is sensitive
    # A database is where its nodes are (nodes[].region, GRA); the offer does not encrypt databases and
    # an OVHcloud database cannot ask, so both fail encrypted-storage on the offer's facts.
    "bad-database": _set(ENC, PROT),
    "good-database": _set(ENC),  # deletion_protection = true
    "bad-deleted-volume": _set(GONE),
}
OVH_PULUMI = {
    "bad-volume": _set(ENC, PROT),
    "good-volume": NONE,
    "good-luks-volume": NONE,
    "bad-bucket": _set(ENC, PROT),
    "good-bucket": NONE,
    "kms": _set(PROT),  # the KMS itself (region eu-west-par): a key manager of the offer's own
    # Keys and secrets have no region: they are where the KMS their okmsId names is (the preview records
    # the dependency), eu-west-par, whose offer has a key manager of its own.
    "good-key": NONE,  # protected
    "bad-secret": _set(PROT, CLEAR),  # pulumi-ovh 2.22 sends version.data in clear
    "good-secret": NONE,  # the program made version a secret
    "bad-database": _set(ENC, PROT),
    "good-database": _set(ENC),
    "bad-deleted-volume": _set(GONE),
}
OUTSCALE_TOFU = {
    # outscale_volume has no encryption setting and the offer records no encryption: every volume fails
    # encrypted-storage until the catalog says otherwise (see the contract overlay test).
    "bad-volume": _set(ENC, PROT),
    "bad-io1-volume": _set(ENC, PROT),
    "bad-replaced-volume": _set(ENC, GONE, PROT),
    "good-resized-volume": _set(ENC, PROT),  # an update keeps the data: not no-data-destruction's
}
CLOUDTEMPLE_TOFU = {
    # Cloud Temple resources and their provider carry no region: they are in the offer's one region (the
    # catalog's `implied_region`, FR1), whose offer records no encryption: encrypted-storage fails.
    "bad-public-bucket": _set(ENC, PROT, PUBLIC),  # access_type = public
    "bad-open-whitelist-bucket": _set(ENC, PROT, PUBLIC),  # whitelist admits 0.0.0.0/0
    "good-private-bucket": _set(ENC, PROT),
    "good-whitelist-bucket": _set(ENC, PROT),  # private ranges only
    "good-acl-entry": NONE,  # a grant to a storage account of the tenant, never public
    "bad-disk": _set(ENC, PROT),
    "bad-deleted-disk": _set(ENC, GONE),
}

CASES = {
    "s3ns/s3ns-data-tofu-plan.json": S3NS_TOFU,
    "s3ns/s3ns-data-pulumi-preview.json": S3NS_PULUMI,
    "scaleway/scaleway-data-tofu-plan.json": SCALEWAY_TOFU,
    "scaleway/scaleway-data-pulumi-preview.json": SCALEWAY_PULUMI,
    "ovh/ovh-data-tofu-plan.json": OVH_TOFU,
    "ovh/ovh-data-pulumi-preview.json": OVH_PULUMI,
    "outscale/outscale-data-tofu-plan.json": OUTSCALE_TOFU,
    "cloudtemple/cloudtemple-data-tofu-plan.json": CLOUDTEMPLE_TOFU,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG], replace=True)


def _plan(name: str) -> Plan:
    path = PROVIDERS / name
    return parse_plan(load_json_file(path, str(path)), str(path))


def _verdicts(plan: Plan, catalog: Catalog) -> dict[str, frozenset[str]]:
    policies = [POLICIES_BY_ID[policy_id] for policy_id in DATA_POLICIES]
    result = evaluate(plan.resources, catalog, policies, settings=Settings(production=True))
    found: dict[str, set[str]] = defaultdict(set)
    for finding in result.findings:
        found[finding.resource].add(finding.policy)
    return {
        resource.name: frozenset(found.get(resource.address, ()))
        for resource in plan.resources
        if resource.custom and not resource.is_provider
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_resource_gets_the_verdicts_written_by_hand(name: str, catalog: Catalog) -> None:
    assert _verdicts(_plan(name), catalog) == CASES[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_fixture_resource_has_a_kind(name: str) -> None:
    """The fixtures use the providers' real type names: each must map to a kind (a typo would pass)."""
    unmapped = {r.type for r in _plan(name).resources if r.custom and not r.is_provider and r.kind is None}
    assert unmapped <= {"gcp:kms/keyRing:KeyRing"}


def test_the_pulumi_fixtures_hold_real_type_tokens_and_wire_names() -> None:
    """Recorded from the SDKs: camelCase inputs, secrets masked as the preview digest writes them."""
    preview = load_json_file(PROVIDERS / "scaleway" / "scaleway-data-pulumi-preview.json", "preview")
    steps = {step["urn"].rsplit("::", 1)[1]: step for step in preview["steps"]}
    rdb = steps["good-rdb"]["newState"]
    assert rdb["type"] == "scaleway:databases/instance:Instance"
    assert rdb["inputs"]["encryptionAtRest"] is True
    assert rdb["inputs"]["password"] == "[secret]"
    assert steps["bad-deleted-rdb"]["op"] == "delete"
    ovh = load_json_file(PROVIDERS / "ovh" / "ovh-data-pulumi-preview.json", "preview")
    secret = next(step for step in ovh["steps"] if step["urn"].endswith("::bad-secret"))
    assert secret["newState"]["type"] == "ovh:Okms/secret:Secret"
    assert secret["newState"]["inputs"]["version"] == {"data": '{"password":"correct-horse"}'}


def test_a_contract_that_encrypts_everything_passes_what_the_resources_cannot_ask(catalog: Catalog) -> None:
    """Scaleway volumes, buckets and node pools, and Outscale volumes, have no encryption setting: only the
    catalog can say their offer encrypts them. With the contract overlay they pass encrypted-storage."""
    contract = load_catalog([CATALOG, CONTRACT], replace=True)
    for name in ("scaleway/scaleway-data-tofu-plan.json", "scaleway/scaleway-data-pulumi-preview.json",
                 "outscale/outscale-data-tofu-plan.json"):  # fmt: skip
        plan = _plan(name)
        before = {resource for resource, ids in _verdicts(plan, catalog).items() if ENC in ids}
        after = {resource for resource, ids in _verdicts(plan, contract).items() if ENC in ids}
        assert before, name
        assert after == set(), (name, after)
