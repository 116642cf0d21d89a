"""AWS-compatible offers reached through the AWS provider with its per-service endpoints overridden.

A sovereign offer's S3-compatible object storage (3DS OUTSCALE OOS, Scaleway, OVHcloud) is usually managed
with the AWS provider (`hashicorp/aws`, Pulumi `aws`) whose `endpoints` name the offer's hosts. A resource
reaches the offer serving **its own service's** entry (`aws_s3_bucket` -> `s3`, `aws_instance` -> `ec2`,
`data/provider_services.yaml`); an entry left unset reaches the provider's default, Amazon. The provider
itself calls STS (credential validation, account id) unless `skip_credentials_validation` and
`skip_requesting_account_id` are true.

Judged by no-us-controlled-service, qualified-region and qualified-endpoint over the invented catalog
`fixtures/catalogs/aws-compatible.yaml`: Gov Cloud (FR) qualified in gov-west-1 at
`*.gov-west-1.govcloud.test`, Gov Public Cloud (FR, not qualified) in pub-west-2 at
`*.pub-west-2.govcloud.test`, and HyperAWS (US) at `*.hyperaws.test`, every service's default
(`hyperaws.test`). Inputs are shaped as `tofu show -json` and `pulumi preview --json` write them. Every
expected message is written by hand from those facts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import pack_and_check_verdicts
from souverain.policies.no_us_controlled import POLICY as NO_US
from souverain.policies.qualified_endpoint import POLICY as QUALIFIED_ENDPOINT
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.errors import InputError
from souverain.policy import Settings
from souverain.readers import parse_plan
from souverain.readers._common import PULUMI_UNKNOWN

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "catalogs" / "aws-compatible.yaml"
PLAN = FIXTURES / "plans" / "aws-compatible" / "tofu-plan.json"

AWS = "registry.terraform.io/hashicorp/aws"
GOV_S3 = "https://oos.gov-west-1.govcloud.test"
PUB_S3 = "https://oos.pub-west-2.govcloud.test"
HYPER = "HyperAWS, operated by Hyper LLC (US): US-controlled"
SKIPS = {"skip_credentials_validation": True, "skip_requesting_account_id": True}
STACK, PROJECT = "dev", "hdh"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG], replace=True)


def findings(document: dict[str, Any], catalog: Catalog) -> dict[str, list[str]]:
    """`policy name` -> messages (names, not addresses), ` (unknown)` marking unknown verdicts."""
    plan = parse_plan(document, "plan.json")
    policies = [QUALIFIED_REGION, NO_US, QUALIFIED_ENDPOINT]
    evaluation = evaluate(plan.resources, catalog, policies, settings=Settings())
    names = {resource.address: resource.name for resource in plan.resources}
    found: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        name = names.get(finding.resource, finding.resource)
        marker = " (unknown)" if finding.unknown else ""
        found.setdefault(f"{finding.policy} {name}", []).append(finding.message + marker)
    return found


# -- tofu show -json ------------------------------------------------------------------------------------


def constant(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def tf_plan(
    resources: list[tuple[str, str, dict[str, Any]]], provider: dict[str, Any], *, key: str = "aws"
) -> dict[str, Any]:
    """A plan of `(type, name, after)` resources, each configured with every key of `after`, managed by
    one `aws` provider configuration whose expressions are `provider` (values become constants; an
    `endpoints` list is written as Terraform writes a block list: each entry's values as expressions)."""
    expressions: dict[str, Any] = {}
    for name, value in provider.items():
        if name == "endpoints" and isinstance(value, list):
            expressions[name] = [
                {k: v if isinstance(v, dict) else constant(v) for k, v in block.items()} for block in value
            ]
        else:
            expressions[name] = value if isinstance(value, dict) else constant(value)
    changes, configured = [], []
    for type_, name, after in resources:
        address = f"{type_}.{name}"
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_name": AWS,
                "change": {"actions": ["create"], "after": after, "after_unknown": {}},
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_config_key": key,
                "expressions": {k: constant(v) for k, v in after.items()},
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": changes,
        "configuration": {
            "provider_config": {key: {"name": "aws", "full_name": AWS, "expressions": expressions}},
            "root_module": {"resources": configured},
        },
    }


BUCKET = ("aws_s3_bucket", "data", {"bucket": "hdh-data", "force_destroy": False})


def test_terraform_bucket_on_the_qualified_offers_s3_endpoint_passes(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": GOV_S3}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {}


def test_terraform_bucket_on_the_offers_unqualified_region(catalog: Catalog) -> None:
    """The offer reached is Gov Public Cloud, French but not qualified: a region finding and an endpoint
    finding, no US finding."""
    provider = {"region": "pub-west-2", **SKIPS, "endpoints": [{"s3": PUB_S3}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "qualified-region data": ["region 'pub-west-2' is not SecNumCloud-qualified for this provider"],
        "qualified-endpoint aws": [
            f"endpoints[0].s3 {PUB_S3!r} is an endpoint of Gov Public Cloud, which holds no current "
            "SecNumCloud qualification"
        ],
    }


def test_terraform_bucket_in_the_qualified_region_but_on_the_other_regions_endpoint(catalog: Catalog) -> None:
    """The region names the qualified offer, the endpoint reaches the other one: the region is judged as
    the offer reached serves it."""
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": PUB_S3}]}
    found = findings(tf_plan([BUCKET], provider), catalog)
    assert found["qualified-region data"] == [
        "region 'gov-west-1' is SecNumCloud-qualified only through Gov Cloud; package 'hashicorp/aws' "
        "reaches "
        "that offer only at its own endpoint, but its provider's endpoints.s3 is "
        "oos.pub-west-2.govcloud.test "
        "(Gov Public Cloud)"
    ]
    assert "no-us-controlled-service data" not in found


def test_terraform_bucket_on_an_uncatalogued_host_fails_closed(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": "https://s3.storage.example.org"}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "qualified-region data": [
            "region 'gov-west-1' is SecNumCloud-qualified only through Gov Cloud; package 'hashicorp/aws' "
            "reaches that offer only at its own endpoint, but its provider's endpoints.s3 is "
            "s3.storage.example.org"
        ],
        "no-us-controlled-service data": [
            "resource of package 'hashicorp/aws': its provider's endpoints.s3 is s3.storage.example.org, "
            "which "
            "no offer the catalog lists for this package serves, so its operator cannot be shown to be non-US"
        ],
        "qualified-endpoint aws": [
            "endpoints[0].s3 'https://s3.storage.example.org': its host is not an endpoint of any offer in "
            "the "
            "sovereignty catalog"
        ],
    }


def test_terraform_bucket_without_an_s3_endpoint_is_amazons(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", **SKIPS}
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "qualified-region data": [
            "region 'gov-west-1' is SecNumCloud-qualified only through Gov Cloud; package 'hashicorp/aws' "
            "reaches that offer only at its own endpoint, but its provider sets no endpoints.s3, so it "
            "reaches "
            "the default hyperaws.test (HyperAWS)"
        ],
        "no-us-controlled-service data": [
            "resource of package 'hashicorp/aws': its provider sets no endpoints.s3, so it reaches the "
            "default "
            f"hyperaws.test, {HYPER}"
        ],
    }


def test_terraform_bucket_whose_endpoint_is_set_at_apply_time_is_unknown(catalog: Catalog) -> None:
    reference = {"references": ["aws_vpc_endpoint.s3.dns_entry", "aws_vpc_endpoint.s3"]}
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": reference}]}
    unknown = (
        "the endpoints.s3 of provider 'hashicorp/aws' is not known (set at apply time, or its configuration "
        "is not in the input)"
    )
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "qualified-region data": [f"{unknown}, so the offer serving the region cannot be known (unknown)"],
        "no-us-controlled-service data": [
            f"{unknown}, so the offer this resource reaches cannot be shown to be non-US (unknown)"
        ],
        "qualified-endpoint aws": [
            "endpoints[0].s3 is unknown until apply, so its endpoint cannot be shown to be a qualified "
            "offer's "
            "(unknown)"
        ],
    }


def test_terraform_instance_with_only_s3_overridden_reaches_amazons_ec2(catalog: Catalog) -> None:
    """The bucket is on Gov Cloud; the instance calls `ec2`, which is not overridden: Amazon."""
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": GOV_S3}]}
    instance = ("aws_instance", "vm", {"ami": "ami-0123", "instance_type": "t3.small"})
    assert findings(tf_plan([BUCKET, instance], provider), catalog) == {
        "qualified-region vm": [
            "region 'gov-west-1' is SecNumCloud-qualified only through Gov Cloud; package 'hashicorp/aws' "
            "reaches that offer only at its own endpoint, but its provider sets no endpoints.ec2, so it "
            "reaches the default hyperaws.test (HyperAWS)"
        ],
        "no-us-controlled-service vm": [
            "resource of package 'hashicorp/aws': its provider sets no endpoints.ec2, so it reaches the "
            f"default hyperaws.test, {HYPER}"
        ],
    }


def test_terraform_instance_with_ec2_overridden_too_passes(catalog: Catalog) -> None:
    endpoints = [{"s3": GOV_S3, "ec2": "https://fcu.gov-west-1.govcloud.test"}]
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": endpoints}
    instance = ("aws_instance", "vm", {"ami": "ami-0123", "instance_type": "t3.small"})
    assert findings(tf_plan([BUCKET, instance], provider), catalog) == {}


def test_terraform_provider_without_the_skips_calls_amazons_sts(catalog: Catalog) -> None:
    """Unset, both settings are false: the provider validates its credentials and looks up its account id
    at STS, whose endpoint is not overridden: two findings on the provider, each naming its fix."""
    provider = {"region": "gov-west-1", "endpoints": [{"s3": GOV_S3}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "no-us-controlled-service aws": [
            "provider of package 'hashicorp/aws' validates its credentials with STS GetCallerIdentity "
            "(skip_credentials_validation is not true): its provider sets no endpoints.sts, so it reaches "
            "the "
            f"default hyperaws.test, {HYPER}; set skip_credentials_validation = true, or set endpoints.sts "
            "to a non-US offer's endpoint",
            "provider of package 'hashicorp/aws' looks up its account id with STS GetCallerIdentity, else "
            "IAM "
            "(skip_requesting_account_id is not true): its provider sets no endpoints.sts, so it reaches the "
            f"default hyperaws.test, {HYPER}; set skip_requesting_account_id = true, or set endpoints.sts "
            "to a non-US offer's endpoint",
        ],
    }


def test_terraform_provider_with_one_skip_still_calls_sts_for_the_other(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", "skip_credentials_validation": True, "endpoints": [{"s3": GOV_S3}]}
    found = findings(tf_plan([BUCKET], provider), catalog)
    assert found == {
        "no-us-controlled-service aws": [
            "provider of package 'hashicorp/aws' looks up its account id with STS GetCallerIdentity, else "
            "IAM "
            "(skip_requesting_account_id is not true): its provider sets no endpoints.sts, so it reaches the "
            f"default hyperaws.test, {HYPER}; set skip_requesting_account_id = true, or set endpoints.sts "
            "to a non-US offer's endpoint",
        ],
    }


def test_terraform_provider_whose_sts_and_iam_are_the_sovereign_offers_passes(catalog: Catalog) -> None:
    endpoints = [
        {
            "s3": GOV_S3,
            "sts": "https://sts.gov-west-1.govcloud.test",
            "iam": "https://iam.gov-west-1.govcloud.test",
        }
    ]
    assert findings(tf_plan([BUCKET], {"region": "gov-west-1", "endpoints": endpoints}), catalog) == {}


def test_terraform_provider_with_sts_overridden_but_not_iam_still_calls_amazon_for_the_account_id(
    catalog: Catalog,
) -> None:
    endpoints = [{"s3": GOV_S3, "sts": "https://sts.gov-west-1.govcloud.test"}]
    found = findings(tf_plan([BUCKET], {"region": "gov-west-1", "endpoints": endpoints}), catalog)
    assert found == {
        "no-us-controlled-service aws": [
            "provider of package 'hashicorp/aws' looks up its account id with STS GetCallerIdentity, else "
            "IAM "
            "(skip_requesting_account_id is not true): its provider sets no endpoints.iam, so it reaches the "
            f"default hyperaws.test, {HYPER}; set skip_requesting_account_id = true, or set endpoints.iam "
            "to a non-US offer's endpoint",
        ],
    }


def test_terraform_skip_set_from_a_resource_is_unknown(catalog: Catalog) -> None:
    provider = {
        "region": "gov-west-1",
        "skip_credentials_validation": {"references": ["local.skip"]},
        "skip_requesting_account_id": True,
        "endpoints": [{"s3": GOV_S3}],
    }
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "no-us-controlled-service aws": [
            "provider of package 'hashicorp/aws' validates its credentials with STS GetCallerIdentity "
            "(skip_credentials_validation is not known): its provider sets no endpoints.sts, so it reaches "
            "the "
            f"default hyperaws.test, {HYPER}; set skip_credentials_validation = true, or set endpoints.sts "
            "to a non-US offer's endpoint (unknown)",
        ],
    }


def test_terraform_assume_role_calls_sts_whatever_the_skips(catalog: Catalog) -> None:
    """`assume_role` makes the provider call STS AssumeRole: on Amazon's STS unless `endpoints.sts` says
    otherwise, even with both skips set."""
    role = [{"role_arn": "arn:aws:iam::123456789012:role/deploy"}]
    provider = {"region": "gov-west-1", **SKIPS, "assume_role": role, "endpoints": [{"s3": GOV_S3}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {
        "no-us-controlled-service aws": [
            "provider of package 'hashicorp/aws' assumes a role with STS AssumeRole (assume_role is set): "
            "its provider sets no endpoints.sts, so it reaches the default hyperaws.test, HyperAWS, operated "
            "by Hyper LLC (US): US-controlled; remove assume_role, or set endpoints.sts to a non-US offer's "
            "endpoint"
        ],
    }
    endpoints = [{"s3": GOV_S3, "sts": "https://sts.gov-west-1.govcloud.test"}]
    provider = {"region": "gov-west-1", **SKIPS, "assume_role": role, "endpoints": endpoints}
    assert findings(tf_plan([BUCKET], provider), catalog) == {}


def test_terraform_s3api_alias_is_read_and_two_different_aliases_are_unknown(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3api": GOV_S3}]}
    assert findings(tf_plan([BUCKET], provider), catalog) == {}
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": GOV_S3, "s3api": PUB_S3}]}
    found = findings(tf_plan([BUCKET], provider), catalog)
    assert found["no-us-controlled-service data"] == [
        "the endpoints.s3 of provider 'hashicorp/aws' is not known (set at apply time, or its configuration "
        "is not in the input), so the offer this resource reaches cannot be shown to be non-US (unknown)"
    ]


def test_terraform_type_whose_service_is_not_known_is_taken_to_reach_the_default(catalog: Catalog) -> None:
    provider = {"region": "gov-west-1", **SKIPS, "endpoints": [{"s3": GOV_S3}]}
    thing = ("aws_quantumledger_widget", "w", {"name": "w"})
    found = findings(tf_plan([thing], provider), catalog)
    assert found["no-us-controlled-service w"] == [
        "resource of package 'hashicorp/aws': souverain does not know which entry of its provider's "
        "endpoints "
        f"serves this resource type, so it is taken to reach the default hyperaws.test, {HYPER}"
    ]


def test_terraform_state_shows_no_provider_configuration_so_the_endpoint_is_unknown(catalog: Catalog) -> None:
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.data",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "data",
                        "provider_name": AWS,
                        "values": {"bucket": "hdh-data", "region": "gov-west-1"},
                        "sensitive_values": {},
                    }
                ]
            }
        },
    }
    assert findings(state, catalog)["no-us-controlled-service data"] == [
        "the endpoints.s3 of provider 'hashicorp/aws' is not known (set at apply time, or its configuration "
        "is not in the input), so the offer this resource reaches cannot be shown to be non-US (unknown)"
    ]


def test_terraform_state_of_an_unmapped_type_names_the_whole_setting(catalog: Catalog) -> None:
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_quantumledger_widget.w",
                        "mode": "managed",
                        "type": "aws_quantumledger_widget",
                        "name": "w",
                        "provider_name": AWS,
                        "values": {"name": "w", "region": "gov-west-1"},
                        "sensitive_values": {},
                    }
                ]
            }
        },
    }
    assert findings(state, catalog)["no-us-controlled-service w"] == [
        "the endpoints of provider 'hashicorp/aws' is not known (set at apply time, or its configuration "
        "is not in the input), so the offer this resource reaches cannot be shown to be non-US (unknown)"
    ]


# -- pulumi preview --json ------------------------------------------------------------------------------


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


def _provider_reference(name: str) -> str:
    return f"{_urn('pulumi:providers:aws', name)}::5d2a9c71"


def step(type_token: str, name: str, inputs: dict[str, Any], provider: str) -> dict[str, Any]:
    state = {"urn": _urn(type_token, name), "custom": True, "type": type_token, "inputs": inputs}
    state["provider"] = provider
    return {"op": "create", "urn": _urn(type_token, name), "provider": provider, "newState": state}


def provider_step(name: str, inputs: dict[str, Any], package: str = "aws") -> dict[str, Any]:
    """A provider resource (aws by default); Pulumi sends a provider's non-string inputs as JSON text."""
    type_token = f"pulumi:providers:{package}"
    state = {"urn": _urn(type_token, name), "custom": True, "type": type_token, "inputs": inputs}
    return {"op": "create", "urn": _urn(type_token, name), "newState": state}


def preview(*steps: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    stack_urn = _urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}")
    stack = {"op": "same", "urn": stack_urn, "newState": {"urn": stack_urn, "custom": False}}
    stack["newState"]["type"] = "pulumi:pulumi:Stack"
    return {"config": config or {}, "steps": [stack, *steps], "changeSummary": {"create": len(steps)}}


PULUMI_SKIPS = {"skipCredentialsValidation": "true", "skipRequestingAccountId": "true"}


def _pulumi_provider(endpoints: Any, **more: Any) -> dict[str, Any]:
    inputs = {"region": "gov-west-1", **PULUMI_SKIPS, **more}
    if endpoints is not None:
        inputs["endpoints"] = json.dumps(endpoints) if not isinstance(endpoints, str) else endpoints
    return provider_step("gov", inputs)


def _bucket(provider: str = "gov") -> dict[str, Any]:
    return step("aws:s3/bucketV2:BucketV2", "data", {"bucket": "hdh-data"}, _provider_reference(provider))


def test_pulumi_bucket_on_the_qualified_offers_s3_endpoint_passes(catalog: Catalog) -> None:
    document = preview(_pulumi_provider([{"s3": GOV_S3}]), _bucket())
    assert findings(document, catalog) == {}


def test_pulumi_bucket_on_the_offers_unqualified_region(catalog: Catalog) -> None:
    provider = provider_step(
        "gov", {"region": "pub-west-2", **PULUMI_SKIPS, "endpoints": json.dumps([{"s3": PUB_S3}])}
    )
    found = findings(preview(provider, _bucket()), catalog)
    assert found["qualified-region data"] == [
        "region 'pub-west-2' is not SecNumCloud-qualified for this provider"
    ]
    assert not any(key.startswith("no-us-controlled-service") for key in found)


def test_pulumi_bucket_on_an_uncatalogued_host_fails_closed(catalog: Catalog) -> None:
    document = preview(_pulumi_provider([{"s3": "https://s3.storage.example.org"}]), _bucket())
    assert findings(document, catalog)["no-us-controlled-service data"] == [
        "resource of package 'aws': its provider's endpoints.s3 is s3.storage.example.org, which no offer "
        "the "
        "catalog lists for this package serves, so its operator cannot be shown to be non-US"
    ]


def test_pulumi_bucket_without_endpoints_is_amazons(catalog: Catalog) -> None:
    document = preview(_pulumi_provider(None), _bucket())
    assert findings(document, catalog)["no-us-controlled-service data"] == [
        "resource of package 'aws': its provider sets no endpoints.s3, so it reaches the default "
        f"hyperaws.test, {HYPER}"
    ]


def test_pulumi_bucket_whose_endpoint_is_unknown_until_apply(catalog: Catalog) -> None:
    document = preview(_pulumi_provider(PULUMI_UNKNOWN), _bucket())
    found = findings(document, catalog)
    assert found["no-us-controlled-service data"] == [
        "the endpoints.s3 of provider 'aws' is not known (set at apply time, or its configuration is not in "
        "the input), so the offer this resource reaches cannot be shown to be non-US (unknown)"
    ]
    assert found["qualified-region data"] == [
        "the endpoints.s3 of provider 'aws' is not known (set at apply time, or its configuration is not in "
        "the input), so the offer serving the region cannot be known (unknown)"
    ]


def test_pulumi_instance_with_only_s3_overridden_reaches_amazons_ec2(catalog: Catalog) -> None:
    instance = step("aws:ec2/instance:Instance", "vm", {"ami": "ami-0123"}, _provider_reference("gov"))
    document = preview(_pulumi_provider([{"s3": GOV_S3}]), _bucket(), instance)
    assert findings(document, catalog) == {
        "qualified-region vm": [
            "region 'gov-west-1' is SecNumCloud-qualified only through Gov Cloud; package 'aws' reaches that "
            "offer only at its own endpoint, but its provider sets no endpoints.ec2, so it reaches the "
            "default "
            "hyperaws.test (HyperAWS)"
        ],
        "no-us-controlled-service vm": [
            "resource of package 'aws': its provider sets no endpoints.ec2, so it reaches the default "
            f"hyperaws.test, {HYPER}"
        ],
    }


def test_pulumi_provider_without_the_skips_calls_amazons_sts(catalog: Catalog) -> None:
    provider = provider_step("gov", {"region": "gov-west-1", "endpoints": json.dumps([{"s3": GOV_S3}])})
    found = findings(preview(provider, _bucket()), catalog)
    assert found == {
        "no-us-controlled-service gov": [
            "provider of package 'aws' validates its credentials with STS GetCallerIdentity "
            "(skip_credentials_validation is not true): its provider sets no endpoints.sts, so it reaches "
            "the "
            f"default hyperaws.test, {HYPER}; set skip_credentials_validation = true, or set endpoints.sts "
            "to a non-US offer's endpoint",
            "provider of package 'aws' looks up its account id with STS GetCallerIdentity, else IAM "
            "(skip_requesting_account_id is not true): its provider sets no endpoints.sts, so it reaches the "
            f"default hyperaws.test, {HYPER}; set skip_requesting_account_id = true, or set endpoints.sts "
            "to a non-US offer's endpoint",
        ],
    }


def test_pulumi_assume_role_calls_sts_and_an_empty_one_does_not(catalog: Catalog) -> None:
    role = json.dumps({"roleArn": "arn:aws:iam::123456789012:role/deploy"})
    document = preview(_pulumi_provider([{"s3": GOV_S3}], assumeRole=role), _bucket())
    assert findings(document, catalog) == {
        "no-us-controlled-service gov": [
            "provider of package 'aws' assumes a role with STS AssumeRole (assume_role is set): its provider "
            "sets no endpoints.sts, so it reaches the default hyperaws.test, HyperAWS, operated by Hyper LLC "
            "(US): US-controlled; remove assume_role, or set endpoints.sts to a non-US offer's endpoint"
        ],
    }
    document = preview(_pulumi_provider([{"s3": GOV_S3}], assumeRole="{}"), _bucket())
    assert findings(document, catalog) == {}


def test_pulumi_default_provider_reads_the_stack_config(catalog: Catalog) -> None:
    """No provider resource: the default provider's configuration is the stack config `aws:*` (text)."""
    default = f"{_urn('pulumi:providers:aws', 'default_7_0_0')}::04da6b54"
    bucket = step("aws:s3/bucketV2:BucketV2", "data", {"bucket": "hdh-data"}, default)
    config = {"aws:region": "gov-west-1", "aws:endpoints": json.dumps([{"s3": GOV_S3}])}
    assert findings(preview(bucket, config=config), catalog) == {}
    config = {"aws:region": "gov-west-1"}
    assert findings(preview(bucket, config=config), catalog)["no-us-controlled-service data"] == [
        "resource of package 'aws': its provider sets no endpoints.s3, so it reaches the default "
        f"hyperaws.test, {HYPER}"
    ]


def _export(provider_inputs: dict[str, Any]) -> dict[str, Any]:
    """A `pulumi stack export` (deployment v3) with one explicit aws provider and a bucket it manages."""
    provider_urn = _urn("pulumi:providers:aws", "gov")
    bucket_urn = _urn("aws:s3/bucketV2:BucketV2", "data")
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-12-05T10:00:00Z", "magic": "", "version": "v3.140.0"},
            "resources": [
                {
                    "urn": _urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}"),
                    "custom": False,
                    "type": "pulumi:pulumi:Stack",
                },
                {
                    "urn": provider_urn,
                    "custom": True,
                    "id": "7f1c2d3e",
                    "type": "pulumi:providers:aws",
                    "inputs": provider_inputs,
                    "outputs": provider_inputs,
                },
                {
                    "urn": bucket_urn,
                    "custom": True,
                    "id": "hdh-data",
                    "type": "aws:s3/bucketV2:BucketV2",
                    "inputs": {"bucket": "hdh-data"},
                    "outputs": {"bucket": "hdh-data", "region": "gov-west-1"},
                    "provider": f"{provider_urn}::7f1c2d3e",
                },
            ],
        },
    }


def test_pulumi_stack_export_reads_the_providers_endpoints(catalog: Catalog) -> None:
    inputs = {"region": "gov-west-1", **PULUMI_SKIPS, "endpoints": json.dumps([{"s3": GOV_S3}])}
    assert findings(_export(inputs), catalog) == {}
    found = findings(_export({"region": "gov-west-1", **PULUMI_SKIPS}), catalog)
    assert found["no-us-controlled-service data"] == [
        "resource of package 'aws': its provider sets no endpoints.s3, so it reaches the default "
        f"hyperaws.test, {HYPER}"
    ]


def test_packages_the_setting_does_not_name_stay_with_their_only_offer(catalog: Catalog) -> None:
    """`awsx` is HyperAWS's alone: the per-service setting applies to `aws` and `hashicorp/aws` only."""
    document = preview(step("awsx:ec2:Vpc", "net", {}, _provider_reference("gov")))
    assert findings(document, catalog)["no-us-controlled-service net"] == [
        f"resource of package 'awsx', which reaches only {HYPER}"
    ]


# -- the catalog format ---------------------------------------------------------------------------------


def _write(tmp_path: Path, offers: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(f"schema_version: 1\noffers:\n{offers}", encoding="utf-8")
    return path


_SOURCE = '{url: "https://example.test", as_of: 2026-01-01}'
_OPERATOR = f"{{entity: A SAS, country: FR, source: {_SOURCE}}}"


def test_a_setting_for_a_package_the_offer_does_not_list_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"""  - id: a
    name: A
    operator: {_OPERATOR}
    us_controlled: false
    packages:
      terraform: [hashicorp/aws]
      endpoint_setting: {{setting: endpoints, default: amazonaws.com, per_service: true, packages: [aws],
        source: {_SOURCE}}}
""",
    )
    with pytest.raises(InputError, match=r"'aws' is not one of the offer's packages"):
        load_catalog([path], replace=True)


def test_offers_that_disagree_on_per_service_are_refused(tmp_path: Path) -> None:
    def offer(offer_id: str, per_service: str) -> str:
        return f"""  - id: {offer_id}
    name: {offer_id}
    operator: {_OPERATOR}
    us_controlled: false
    packages:
      terraform: [hashicorp/aws]
      endpoint_setting: {{setting: endpoints, default: amazonaws.com, per_service: {per_service},
        source: {_SOURCE}}}
"""

    path = _write(tmp_path, offer("a", "true") + offer("b", "false"))
    with pytest.raises(InputError, match=r"per service\): make them agree"):
        load_catalog([path], replace=True)


def test_a_per_service_package_without_provider_data_judges_its_provider_at_the_default(
    tmp_path: Path,
) -> None:
    """An overlay may make another package's setting per service; with no data on what its provider calls,
    the provider is judged at the setting's default, as a resource whose service is not known."""
    path = _write(
        tmp_path,
        f"""  - id: cloud
    name: Cloudy
    operator: {{entity: Cloudy Inc, country: US, source: {_SOURCE}}}
    us_controlled: true
    endpoints: {{domains: ["*.cloudy.test"]}}
    packages:
      pulumi: [cloudy]
      endpoint_setting: {{setting: endpoints, default: cloudy.test, per_service: true, source: {_SOURCE}}}
""",
    )
    catalog = load_catalog([path], replace=True)
    found = findings(preview(provider_step("p", {"region": "x"}, package="cloudy")), catalog)
    assert found["no-us-controlled-service p"] == [
        "provider of package 'cloudy': souverain does not know which entry of its provider's endpoints "
        "serves this resource type, so it is taken to reach the default cloudy.test, Cloudy, operated by "
        "Cloudy Inc (US): US-controlled"
    ]


# -- end to end: `souverain check` and the CrossGuard pack ---------------------------------------------


def test_souverain_check_on_a_plan_file(tmp_path: Path) -> None:
    """`tofu show -json` of an OOS-like stack: the bucket on the qualified offer passes, the instance whose
    ec2 is not overridden and the provider that would call STS are US findings (exit 1)."""
    from click.testing import CliRunner
    from souverain.cli.main import main

    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(PLAN),
            "--catalog",
            str(CATALOG),
            "--replace-catalog",
            "--format",
            "json",
            "-o",
            str(report),
        ],
    )
    assert result.exit_code == 1, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    failing = sorted(
        (finding["policy"], finding["resource"])
        for finding in data["findings"]
        if finding["policy"] in {"no-us-controlled-service", "qualified-region", "qualified-endpoint"}
    )
    assert failing == [
        ("no-us-controlled-service", "aws"),
        ("no-us-controlled-service", "aws_instance.worker"),
        ("qualified-region", "aws_instance.worker"),
    ]


def test_the_pack_says_what_the_check_says(tmp_path: Path) -> None:
    """The same verdicts through the CrossGuard pack over real gRPC."""
    document = preview(
        _pulumi_provider([{"s3": GOV_S3}]),
        provider_step("plain", {"region": "gov-west-1"}),
        _bucket(),
        step("aws:s3/bucketV2:BucketV2", "amazon", {"bucket": "x"}, _provider_reference("plain")),
        step("aws:ec2/instance:Instance", "vm", {"ami": "ami-0123"}, _provider_reference("gov")),
    )
    pack, checked = pack_and_check_verdicts(document, CATALOG, tmp_path, stack=STACK)
    assert pack == checked
    ours = {QUALIFIED_REGION.id, NO_US.id}
    failing = {(policy, urn.rsplit("::", 1)[-1]) for policy, urn, _ in checked if policy in ours}
    assert failing == {
        ("no-us-controlled-service", "plain"),
        ("no-us-controlled-service", "amazon"),
        ("qualified-region", "amazon"),
        ("no-us-controlled-service", "vm"),
        ("qualified-region", "vm"),
    }
