"""no-public-data says why stored data is public: an address range open to internet hosts is not a public
ACL. Written against the mutants that survived its tests (docs/mutation.md); the rules are kinds.yaml's
provider vocabulary, the messages written by hand."""

from __future__ import annotations

from conftest import context, terraform_resource
from souverain.policies import no_public_data

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Violation


def findings(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert no_public_data.POLICY.check_resource is not None
    return list(no_public_data.POLICY.check_resource(resource, context(catalog)))


def test_an_internet_range_is_named_as_such(small_catalog: Catalog) -> None:
    for whitelist in (["0.0.0.0/0"], ["10.1.0.0/16", "198.51.100.0/24"]):
        bucket = terraform_resource(
            "cloudtemple_object_storage_bucket", {"access_type": "custom", "whitelist": whitelist}
        )
        [violation] = findings(bucket, small_catalog)
        assert violation.path == "whitelist"
        assert "an address range that includes internet hosts is allowed" in violation.message
        assert "ACL" not in violation.message


def test_a_public_acl_or_grant_is_named_as_such(small_catalog: Catalog) -> None:
    for resource_type, values, path in (
        ("scaleway_object_bucket_acl", {"acl": "public-read"}, "acl"),
        ("google_storage_bucket_iam_member", {"member": "allUsers"}, "member"),
        ("cloudtemple_object_storage_bucket", {"access_type": "public"}, "access_type"),
    ):
        [violation] = findings(terraform_resource(resource_type, values), small_catalog)
        assert violation.path == path
        assert "a public ACL, visibility or grant to all users" in violation.message
        assert "address range" not in violation.message
