"""no-public-data on S3-style bucket policies (Scaleway's `scaleway_object_bucket_policy`): a statement
that allows everyone publishes the bucket, whatever its ACL. Verdicts written by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.no_public_data import POLICY

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Violation

BUCKET = "hdh-snds-extracts"


def _statement(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {
        "Sid": "s",
        "Effect": effect,
        "Principal": principal,
        "Action": ["s3:GetObject"],
        "Resource": [f"{BUCKET}/*"],
        **extra,
    }


def _policies(*statements: dict[str, Any]) -> list[Resource]:
    document = json.dumps({"Version": "2023-04-17", "Id": "p", "Statement": list(statements)})
    return [
        terraform_resource("scaleway_object_bucket_policy", {"bucket": BUCKET, "policy": document}, name="t"),
        pulumi_resource(
            "scaleway:object/bucketPolicy:BucketPolicy", {"bucket": BUCKET, "policy": document}, name="p"
        ),
        pulumi_resource(
            "scaleway:index/objectBucketPolicy:ObjectBucketPolicy",
            {"bucket": BUCKET, "policy": document},
            name="d",
        ),
    ]


def _findings(resources: list[Resource], catalog: Catalog) -> list[Violation]:
    assert POLICY.check_resource is not None
    return [v for resource in resources for v in POLICY.check_resource(resource, context(catalog))]


@pytest.mark.parametrize(
    "statement",
    [
        _statement("*"),
        _statement({"SCW": "*"}),
        _statement({"AWS": ["*"]}),
        _statement({"SCW": ["user_id:0f1e", "*"]}),
        # a Condition may narrow it, but the gate does not evaluate conditions: still reported
        _statement("*", Condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}),
        # everyone except the named principals
        {"Effect": "Allow", "NotPrincipal": {"SCW": "user_id:0f1e"}, "Action": "s3:*", "Resource": BUCKET},
    ],
)
def test_a_statement_allowing_everyone_makes_the_bucket_public(
    small_catalog: Catalog, statement: dict[str, Any]
) -> None:
    found = _findings(_policies(_statement({"SCW": "application_id:1a2b"}), statement), small_catalog)
    assert [v.path for v in found] == ["policy", "policy", "policy"]
    assert all('Principal "*"' in v.message for v in found)


@pytest.mark.parametrize(
    "statement",
    [
        _statement({"SCW": "application_id:1a2b"}),  # one application of the project
        _statement({"SCW": ["user_id:0f1e", "application_id:1a2b"]}),
        _statement("*", effect="Deny"),  # a deny to everyone publishes nothing
    ],
)
def test_a_policy_naming_its_principals_is_private(small_catalog: Catalog, statement: dict[str, Any]) -> None:
    assert _findings(_policies(statement), small_catalog) == []


def test_a_policy_that_is_no_json_document_fails_closed(small_catalog: Catalog) -> None:
    resource = terraform_resource("scaleway_object_bucket_policy", {"bucket": BUCKET, "policy": "{not json"})
    assert [v.path for v in _findings([resource], small_catalog)] == ["policy"]


def test_a_policy_unknown_until_apply_is_an_unknown_finding(small_catalog: Catalog) -> None:
    resource = terraform_resource(
        "scaleway_object_bucket_policy", {"bucket": BUCKET}, after_unknown={"policy": True}
    )
    assert [(v.path, v.unknown) for v in _findings([resource], small_catalog)] == [("policy", True)]
