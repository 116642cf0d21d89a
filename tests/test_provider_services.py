"""`data/provider_services.yaml` and the per-service endpoint reading behind the AWS-compatible offers.

The data file is a fact about the AWS provider's schema (its `endpoints` keys and which service each
resource type calls), read from the provider's documentation; these tests pin the types the policies'
docs name, and that narrower patterns win over broader ones. `Catalog.package_host` is tested over an
invented catalog (fixtures/catalogs/aws-compatible.yaml) on every shape the readers hand it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from souverain.catalog import load_catalog, service_entry
from souverain.errors import InputError
from souverain.model import UNKNOWN, Secret
from souverain.provider_services import ProviderServicesFile, provider_services, service_of
from souverain.schema import validate

CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "aws-compatible.yaml"


@pytest.mark.parametrize(
    ("package", "type_", "service"),
    [
        ("hashicorp/aws", "aws_s3_bucket", "s3"),
        ("registry.terraform.io/hashicorp/aws", "aws_s3_bucket_versioning", "s3"),
        ("hashicorp/aws", "aws_s3_object", "s3"),
        ("hashicorp/aws", "aws_s3control_bucket", "s3control"),
        ("hashicorp/aws", "aws_instance", "ec2"),
        ("hashicorp/aws", "aws_ebs_volume", "ec2"),
        ("hashicorp/aws", "aws_security_group", "ec2"),
        ("hashicorp/aws", "aws_security_group_rule", "ec2"),
        ("hashicorp/aws", "aws_vpc", "ec2"),
        ("hashicorp/aws", "aws_vpc_security_group_ingress_rule", "ec2"),
        ("hashicorp/aws", "aws_iam_role", "iam"),
        ("hashicorp/aws", "aws_route53_resolver_endpoint", "route53resolver"),
        ("hashicorp/aws", "aws_route53_record", "route53"),
        ("hashicorp/aws", "aws_lb_cookie_stickiness_policy", "elb"),
        ("hashicorp/aws", "aws_lb_target_group", "elbv2"),
        ("hashicorp/aws", "aws_cloudwatch_log_group", "logs"),
        ("aws", "aws:s3/bucket:Bucket", "s3"),
        ("aws", "aws:s3/bucketV2:BucketV2", "s3"),
        ("aws", "aws:ec2/instance:Instance", "ec2"),
        ("aws", "aws:ebs/volume:Volume", "ec2"),
        ("aws", "aws:iam/role:Role", "iam"),
        ("aws", "aws:route53/resolverRule:ResolverRule", "route53resolver"),
        ("aws", "aws:cloudwatch/logGroup:LogGroup", "logs"),
        ("aws", "aws:cloudwatch/metricAlarm:MetricAlarm", "cloudwatch"),
    ],
)
def test_the_service_each_type_calls(package: str, type_: str, service: str) -> None:
    found = service_of(package, type_)
    assert found is not None
    assert found.service == service


def test_an_unmapped_type_and_a_package_without_data_have_no_service() -> None:
    assert service_of("hashicorp/aws", "aws_quantumledger_widget") is None
    assert service_of("hashicorp/google", "google_storage_bucket") is None
    assert provider_services("") is None


def test_the_providers_own_calls_and_their_settings() -> None:
    entry = provider_services("hashicorp/aws")
    assert entry is not None
    assert [(c.services, c.unless_true, c.when_set) for c in entry.calls] == [
        (("sts",), "skip_credentials_validation", None),
        (("sts", "iam"), "skip_requesting_account_id", None),
        (("sts",), None, "assume_role"),
        (("sts",), None, "assume_role_with_web_identity"),
    ]
    assert entry.keys("s3") == ("s3", "s3api")
    assert entry.keys("sts") == ("sts",)


def test_a_call_needs_exactly_one_condition() -> None:
    source = {"url": "https://example.test", "as_of": "2026-01-01"}
    call = {"what": "calls home", "services": ["sts"], "source": source}
    entry = {"terraform": ["hashicorp/aws"], "setting": "endpoints", "source": source}
    for condition in ({}, {"unless_true": "skip_a", "when_set": "b"}):
        document = {"packages": [{**entry, "calls": [{**call, **condition}]}]}
        with pytest.raises(InputError, match="exactly one of `unless_true` and `when_set`"):
            validate(document, ProviderServicesFile, "provider_services.yaml", "data")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"s3": "https://oos.gov-west-1.govcloud.test"}], "https://oos.gov-west-1.govcloud.test"),
        ({"s3": "https://a.test"}, "https://a.test"),
        ('[{"s3": "https://a.test"}]', "https://a.test"),
        (Secret([{"s3": Secret("https://a.test")}]), "https://a.test"),
        ([{"s3api": "https://a.test"}], "https://a.test"),
        ([{"s3": "https://a.test", "s3api": "https://a.test"}], "https://a.test"),
        ([{"ec2": "https://a.test"}], None),
        ([], None),
        (None, None),
        ("", None),
        ("[not json", None),
        ([{"s3": ""}], None),
    ],
)
def test_service_entry_reads_every_shape(value: object, expected: object) -> None:
    assert service_entry(value, ("s3", "s3api")) == expected


@pytest.mark.parametrize(
    "value",
    [
        UNKNOWN,
        [UNKNOWN],
        [{"s3": UNKNOWN}],
        [{"s3": "https://a.test", "s3api": "https://b.test"}],
        [{"s3": "https://a.test"}, {"s3": "https://b.test"}],
    ],
)
def test_service_entry_unknown_when_it_cannot_say(value: object) -> None:
    assert service_entry(value, ("s3", "s3api")) is UNKNOWN


def test_package_host_per_service() -> None:
    catalog = load_catalog([CATALOG], replace=True)
    settings = {"endpoints": [{"s3": "https://oos.gov-west-1.govcloud.test:443/"}]}
    assert catalog.package_host("hashicorp/aws", settings, ("s3",)) == "oos.gov-west-1.govcloud.test"
    assert catalog.package_host("hashicorp/aws", settings, ("ec2",)) == "hyperaws.test"
    assert catalog.package_host("hashicorp/aws", settings) == "hyperaws.test"
    assert catalog.package_host("hashicorp/aws", None, ("s3",)) is UNKNOWN
    assert catalog.package_host("aws", {"endpoints": UNKNOWN}, ("s3",)) is UNKNOWN
    assert catalog.package_host("hashicorp/awscc", settings, ("s3",)) is None
