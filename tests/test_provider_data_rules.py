"""The provider vocabulary in kinds.yaml (encryption requests, secret values, public access, deletion
protection) and the offer capabilities, judged one resource at a time in both shapes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies import POLICIES_BY_ID

from souverain import kinds
from souverain.catalog import Catalog, load_catalog
from souverain.catalog_view import render_catalog
from souverain.errors import InputError
from souverain.model import Operation, ProviderConfig, Resource, Secret
from souverain.policy import Settings, Violation
from souverain.readers import parse_plan
from souverain.readers._common import finish, terraform_value

S3NS_LIKE = """
schema_version: 1
offers:
  - id: s3ns-like
    name: Encrypts by default
    operator: {entity: Test SAS, country: FR, source: {url: "https://example.test", as_of: 2026-12-01}}
    us_controlled: false
    regions: [{name: u-france-east1, aliases: [u-france-east1-a]}]
    capabilities: {block_storage_encrypted: true, object_storage_encrypted: true, database_encrypted: true,
                   key_manager: provider-kms}
    packages: {pulumi: [gcp, scaleway], terraform: [hashicorp/google, scaleway/scaleway]}
  - id: keyless
    name: No key manager
    operator: {entity: Test SAS, country: FR, source: {url: "https://example.test", as_of: 2026-12-01}}
    us_controlled: false
    regions: [{name: fr-par, aliases: [fr-par-1]}]
    packages: {pulumi: [scaleway], terraform: [scaleway/scaleway]}
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    path = tmp_path_factory.mktemp("catalog") / "offers.yaml"
    path.write_text(S3NS_LIKE, encoding="utf-8")
    return load_catalog([path], replace=True)


def _check(policy_id: str, resource: Resource, catalog: Catalog, **settings: Any) -> list[Violation]:
    policy = POLICIES_BY_ID[policy_id]
    judged = context(catalog, Settings(**settings))
    if policy.check_resource is None:  # a stack policy (encrypted-storage): the resource alone
        assert policy.check_stack is not None
        return [replace(v, resource=None) for v in policy.check_stack([resource], judged)]
    return list(policy.check_resource(resource, judged))


def _stack(policy_id: str, resources: list[Resource], catalog: Catalog) -> list[Violation]:
    policy = POLICIES_BY_ID[policy_id]
    assert policy.check_stack is not None
    return list(policy.check_stack(resources, context(catalog)))


def _tf(resource_type: str, after: dict[str, Any], package: str, region: str | None = None) -> Resource:
    """A resource as the Terraform reader builds it, of another provider than conftest's OpenStack."""
    provider = ProviderConfig(package=package, address=package.split("/")[-1], region=region,
                              properties={"region": region} if region else {})  # fmt: skip
    return finish(
        Resource(
            address=f"{resource_type}.res",
            type=resource_type,
            name="res",
            package=package,
            properties=terraform_value(after, {}, {}),
            provider=provider,
            operation=Operation.CREATE,
            source="terraform-plan",
        )
    )


# encrypted-storage ---------------------------------------------------------------------------------------


def test_an_offer_that_encrypts_by_default_needs_no_request(catalog: Catalog) -> None:
    region = {"provider_region": "u-france-east1"}
    assert (
        _check("encrypted-storage", pulumi_resource("gcp:compute/disk:Disk", {"size": 10}, **region), catalog)
        == []
    )
    bucket = _tf("google_storage_bucket", {"name": "b"}, "hashicorp/google", "u-france-east1")
    assert _check("encrypted-storage", bucket, catalog) == []
    sql = _tf(
        "google_sql_database_instance",
        {"database_version": "POSTGRES_16"},
        "hashicorp/google",
        "u-france-east1",
    )
    assert _check("encrypted-storage", sql, catalog) == []
    pool = pulumi_resource(
        "gcp:container/nodePool:NodePool", {"nodeConfig": {"diskType": "pd-ssd"}}, **region
    )
    assert _check("encrypted-storage", pool, catalog) == []


def test_a_provider_kms_key_needs_an_offer_with_a_key_manager_of_its_own(catalog: Catalog) -> None:
    good = pulumi_resource("scaleway:keymanager/key:Key", {"region": "u-france-east1", "usage": "x"})
    assert _check("encrypted-storage", good, catalog) == []
    bad = _tf("scaleway_secret", {"name": "s", "region": "fr-par"}, "scaleway/scaleway")
    [violation] = _check("encrypted-storage", bad, catalog)
    assert "records key manager none" in violation.message


def test_a_volume_type_is_read_from_type_when_there_is_no_volume_type(small_catalog: Catalog) -> None:
    """OVHcloud's `ovh_cloud_project_volume` says `type: classic-luks`; acme-snc lists classic-luks."""
    good = terraform_resource("ovh_cloud_project_volume", {"type": "classic-luks", "region": "SNC-PAR-1"})
    assert _check("encrypted-storage", good, small_catalog) == []
    bad = terraform_resource("ovh_cloud_project_volume", {"type": "classic", "region": "SNC-PAR-1"})
    [violation] = _check("encrypted-storage", bad, small_catalog)
    assert violation.path == "type"


@pytest.mark.parametrize(
    ("encryption", "passes"),
    [
        ({"sse_algorithm": "AES256"}, True),
        ([{"sse_algorithm": "AES256"}], True),  # a Terraform block is a list
        ({"sse_algorithm": ""}, False),
        ({"algorithm": "PLAINTEXT"}, False),
        ({"algorithm": "aes256"}, True),  # one_of is case-insensitive
    ],
)
def test_bucket_encryption_requests(encryption: Any, passes: bool, small_catalog: Catalog) -> None:
    """acme-public's object storage is not encrypted at rest: only the bucket's request can pass it."""
    bucket = terraform_resource(
        "ovh_cloud_project_storage", {"name": "b", "encryption": encryption}, provider_region="PUB-1"
    )
    assert (_check("encrypted-storage", bucket, small_catalog) == []) is passes


def test_a_trove_instance_on_an_encrypted_volume_type_is_encrypted(small_catalog: Catalog) -> None:
    good = terraform_resource(
        "openstack_db_instance_v1", {"volume": [{"size": 10, "volume_type": "fast-luks"}]}
    )
    assert _check("encrypted-storage", good, small_catalog) == []
    bad = terraform_resource("openstack_db_instance_v1", {"volume": [{"size": 10, "volume_type": "classic"}]})
    assert len(_check("encrypted-storage", bad, small_catalog)) == 1


def test_a_logical_database_is_not_judged_for_encryption(small_catalog: Catalog) -> None:
    """Its instance holds the storage; judging both would report one fact twice."""
    schema = terraform_resource("openstack_db_database_v1", {"name": "hdh", "instance_id": "x"})
    assert schema.kind == "database_schema"
    assert _check("encrypted-storage", schema, small_catalog) == []


# no-public-data ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_token", "inputs", "path"),
    [
        ("scaleway:object/bucket:Bucket", {"acl": "public-read-write"}, "acl"),
        ("scaleway:object/item:Item", {"visibility": "public-read"}, "visibility"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember", {"member": "allAuthenticatedUsers"}, "member"),
        ("gcp:storage/bucketIAMBinding:BucketIAMBinding", {"members": ["user:a@b.example", "allUsers"]},
         "members"),
        ("gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
         {"policyData": '{"bindings":[{"role":"roles/storage.objectViewer","members":["allUsers"]}]}'},
         "policy_data"),
        ("gcp:storage/objectACL:ObjectACL", {"predefinedAcl": "publicRead"}, "predefined_acl"),
        ("gcp:storage/defaultObjectACL:DefaultObjectACL", {"roleEntities": ["READER:allUsers"]},
         "role_entities"),
        ("gcp:storage/bucketAccessControl:BucketAccessControl", {"entity": "allUsers", "role": "READER"},
         "entity"),
        ("scaleway:object/bucketAcl:BucketAcl",
         {"accessControlPolicy": {"grants": [], "grant": [{"grantee": {"type": "Group",
          "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ"}]}},
         "access_control_policy.grant.grantee.uri"),
    ],
)  # fmt: skip
def test_public_grants_in_pulumi_shape(
    type_token: str, inputs: dict[str, Any], path: str, catalog: Catalog
) -> None:
    [violation] = _check("no-public-data", pulumi_resource(type_token, inputs), catalog)
    assert violation.path == path
    assert not violation.unknown


@pytest.mark.parametrize(
    ("resource_type", "values"),
    [
        ("scaleway_object_bucket_acl", {"acl": "private"}),
        ("scaleway_object", {"visibility": "private"}),
        ("google_storage_bucket_iam_member", {"member": "serviceAccount:etl@hdh.iam.example"}),
        ("google_storage_bucket_iam_binding", {"members": ["group:researchers@hdh.example"]}),
        (
            "google_storage_bucket_acl",
            {"predefined_acl": "private", "role_entity": ["OWNER:project-owners-1"]},
        ),
        (
            "google_storage_bucket_access_control",
            {"entity": "group-researchers@hdh.example", "role": "READER"},
        ),
        ("cloudtemple_object_storage_bucket", {"access_type": "custom", "whitelist": ["10.1.0.0/16"]}),
    ],
)
def test_private_twins_in_terraform_shape(
    resource_type: str, values: dict[str, Any], catalog: Catalog
) -> None:
    assert _check("no-public-data", terraform_resource(resource_type, values), catalog) == []


def test_a_swift_container_readable_by_any_referrer_is_public(small_catalog: Catalog) -> None:
    """OpenStack's own public container: the `.r:*` read ACL (any HTTP referrer, no token)."""
    public = terraform_resource(
        "openstack_objectstorage_container_v1", {"name": "c", "container_read": ".r:*,.rlistings"}
    )
    assert [v.path for v in _check("no-public-data", public, small_catalog)] == ["container_read"]
    private = pulumi_resource(
        "openstack:objectstorage/container:Container", {"containerRead": "hdh:researchers"}
    )
    assert _check("no-public-data", private, small_catalog) == []


def test_a_whitelist_entry_that_is_no_cidr_is_not_proven_private(catalog: Catalog) -> None:
    bucket = terraform_resource(
        "cloudtemple_object_storage_bucket", {"access_type": "custom", "whitelist": ["lab"]}
    )
    [violation] = _check("no-public-data", bucket, catalog)
    assert violation.path == "whitelist"


def test_an_acl_unknown_until_apply_is_an_unknown_finding(catalog: Catalog) -> None:
    acl = terraform_resource("scaleway_object_bucket_acl", {"bucket": "b"}, after_unknown={"acl": True})
    assert [(v.path, v.unknown) for v in _check("no-public-data", acl, catalog)] == [("acl", True)]


def test_no_public_data_ignores_other_kinds(catalog: Catalog) -> None:
    instance = pulumi_resource("openstack:compute/instance:Instance", {"acl": "public-read"})
    assert _check("no-public-data", instance, catalog) == []


# no-plaintext-secret -------------------------------------------------------------------------------------


def test_a_secret_version_value_in_clear_is_a_finding(catalog: Catalog) -> None:
    """A provider that does not mark the value sensitive, or a program that does not make it a secret."""
    clear = terraform_resource("scaleway_secret_version", {"secret_id": "x", "data": "correct-horse"})
    assert [v.path for v in _stack("no-plaintext-secret", [clear], catalog)] == ["data"]
    sensitive = terraform_resource(
        "scaleway_secret_version", {"secret_id": "x", "data": "correct-horse"}, after_sensitive={"data": True}
    )
    assert _stack("no-plaintext-secret", [sensitive], catalog) == []
    google = pulumi_resource(
        "gcp:secretmanager/secretVersion:SecretVersion", {"secret": "s", "secretData": "pw-1"}
    )
    assert [v.path for v in _stack("no-plaintext-secret", [google], catalog)] == ["secret_data"]


def test_a_nested_secret_value_is_found_and_a_wrapped_one_is_not(catalog: Catalog) -> None:
    clear = pulumi_resource("ovh:Okms/secret:Secret", {"path": "a", "version": {"data": '{"k":"v"}'}})
    assert [v.path for v in _stack("no-plaintext-secret", [clear], catalog)] == ["version.data"]
    wrapped = pulumi_resource("ovh:Okms/secret:Secret", {"path": "a", "version": {"data": '{"k":"v"}'}})
    wrapped.properties["version"] = Secret(wrapped.properties["version"])
    assert _stack("no-plaintext-secret", [wrapped], catalog) == []


def test_the_secret_a_version_belongs_to_is_not_a_secret(catalog: Catalog) -> None:
    version = terraform_resource(
        "google_secret_manager_secret_version",
        {"secret": "projects/hdh/secrets/pg-password", "secret_data": "x"},
        after_sensitive={"secret_data": True},
    )
    assert _stack("no-plaintext-secret", [version], catalog) == []


# protected-data-store ------------------------------------------------------------------------------------


def test_deletion_protection_counts_as_protection(catalog: Catalog) -> None:
    protected = terraform_resource("google_sql_database_instance", {"deletion_protection": True})
    assert _check("protected-data-store", protected, catalog, production=True) == []
    unprotected = terraform_resource("google_sql_database_instance", {"deletion_protection": False})
    assert len(_check("protected-data-store", unprotected, catalog, production=True)) == 1
    # Only where kinds.yaml lists it: a volume's `deletion_protection` is no provider's setting.
    volume = terraform_resource("scaleway_block_volume", {"deletion_protection": True})
    assert len(_check("protected-data-store", volume, catalog, production=True)) == 1


# kinds.yaml itself ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"is": "set"}, "needs a `path`"),
        ({"path": "a", "is": "maybe"}, "unknown condition"),
        ({"path": "a", "one_of": "x"}, "takes a list of strings"),
        ({"path": "a", "is": "set", "one_of": ["x"]}, "one of is, one_of"),
        ({"path": "a", "is": "set", "extra": 1}, "one of is, one_of"),
    ],
)
def test_a_malformed_rule_is_refused_with_where_it_is(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape("kinds.yaml: encryption_requests.volume[0]")) as error:
        kinds._rule(raw, "encryption_requests.volume[0]")
    assert message in str(error.value)


def test_a_type_mapped_in_two_blocks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {
        "kinds": {"volume": {"terraform": ["x_volume"]}},
        "provider_kinds": {"x-data": {"database": {"terraform": ["x_volume"]}}},
        "data_stores": [],
    }
    monkeypatch.setattr(kinds, "_data", lambda: data)
    kinds._tables.cache_clear()
    try:
        with pytest.raises(
            ValueError,
            match=re.escape("provider_kinds.x-data.database: 'x_volume' is already mapped in kinds.volume"),
        ):
            kinds._tables()
    finally:
        kinds._tables.cache_clear()


def test_every_rule_of_the_shipped_file_loads() -> None:
    for kind in kinds.all_kinds():
        kinds.encryption_requests(kind)
        kinds.public_access_rules(kind)
        kinds.deletion_protection_rules(kind)
    assert kinds.encryption_requests("database")
    assert kinds.public_access_rules("object_access")


def test_a_plan_of_other_provider_types_reads_their_kinds() -> None:
    plan = parse_plan(
        {
            "format_version": "1.2",
            "resource_changes": [
                {"address": f"{t}.x", "mode": "managed", "type": t, "name": "x",
                 "provider_name": "registry.opentofu.org/scaleway/scaleway",
                 "change": {"actions": ["create"], "before": None, "after": {}, "after_unknown": {}}}
                for t in ("scaleway_rdb_instance", "scaleway_rdb_database", "scaleway_k8s_pool",
                          "scaleway_secret_version")
            ],
        },
        "plan.json",
    )  # fmt: skip
    assert [r.kind for r in plan.resources if not r.is_provider] == [
        "database", "database_schema", "node_pool", "secret_version"
    ]  # fmt: skip


# the catalog's capability fields ---------------------------------------------------------------------------


def test_the_capability_fields_are_shown_and_typed(catalog: Catalog, tmp_path: Path) -> None:
    view = json.loads(render_catalog(catalog, "json"))
    capabilities = {p["id"]: p["capabilities"] for p in view["providers"]}
    assert capabilities["s3ns-like"]["block_storage_encrypted"] is True
    assert capabilities["s3ns-like"]["database_encrypted"] is True
    assert capabilities["keyless"]["block_storage_encrypted"] is False  # not stated: not assumed
    text = render_catalog(catalog, "text", color=False)
    assert (
        "block storage encrypted at rest; object storage encrypted at rest; managed databases encrypted"
        in text
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        S3NS_LIKE.replace("database_encrypted: true", 'database_encrypted: "yes"'), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"offers\[0\]\.capabilities\.database_encrypted"):
        load_catalog([bad], replace=True)
