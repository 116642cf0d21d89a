"""no-us-controlled-service: packages, providers and properties, in Pulumi and Terraform spellings."""

from __future__ import annotations

import msgspec
import pytest
from conftest import context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.no_us_controlled import POLICY

from souverain.catalog import Catalog, Offer
from souverain.model import Resource
from souverain.policy import Violation

IMAGE = "openstack:images/image:Image"
SUBNET = "openstack:networking/subnet:Subnet"
INSTANCE = "openstack:compute/instance:Instance"
SECRET_ENVELOPE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def _violations(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert POLICY.check_resource is not None
    return list(POLICY.check_resource(resource, context(catalog)))


def _tf(tf_type: str, after: dict[str, object], package: str | None = None, **kwargs: object) -> Resource:
    resource = terraform_resource(tf_type, after, **kwargs)  # type: ignore[arg-type]
    if package is not None:
        resource.package = package
    return resource


def test_sovereign_resources_pass(small_catalog: Catalog) -> None:
    assert (
        _violations(
            pulumi_resource(IMAGE, {"imageSourceUrl": "https://img.snc.acme.test/u.qcow2"}), small_catalog
        )
        == []
    )
    assert (
        _violations(
            _tf("openstack_images_image_v2", {"image_source_url": "https://img.snc.acme.test/u"}),
            small_catalog,
        )
        == []
    )
    assert (
        _violations(pulumi_provider("openstack", {"authUrl": "https://auth.snc.acme.test/v3"}), small_catalog)
        == []
    )


def test_us_controlled_package(small_catalog: Catalog) -> None:
    [bucket] = _violations(pulumi_resource("aws:s3/bucket:Bucket", {"bucket": "extracts"}), small_catalog)
    assert "'aws'" in bucket.message
    assert "BigCloud Corp." in bucket.message
    [provider] = _violations(pulumi_provider("aws", {"region": "eu-west-3"}), small_catalog)
    assert provider.message.startswith("provider of package 'aws'")
    [tf] = _violations(
        _tf("aws_s3_bucket", {"bucket": "extracts"}, "registry.terraform.io/hashicorp/aws"), small_catalog
    )
    assert "US-controlled" in tf.message


def test_package_unknown_to_the_catalog_fails_closed(small_catalog: Catalog) -> None:
    [pulumi] = _violations(pulumi_resource("exoscale:index/sosBucket:SosBucket", {}), small_catalog)
    assert pulumi.message == (
        "provider 'exoscale' is not in the catalog, so its operator cannot be shown to be non-US"
    )
    [tf] = _violations(
        _tf("exoscale_sos_bucket", {}, "registry.terraform.io/exoscale/exoscale"), small_catalog
    )
    assert "not in the catalog" in tf.message


def test_local_only_packages_need_no_catalog_entry(small_catalog: Catalog) -> None:
    password = pulumi_resource("random:index/randomPassword:RandomPassword", {"length": 24})
    assert _violations(password, small_catalog) == []
    assert _violations(pulumi_provider("random", {}), small_catalog) == []
    key = _tf("tls_private_key", {"algorithm": "ED25519"}, "registry.terraform.io/hashicorp/tls")
    assert _violations(key, small_catalog) == []


def test_image_url_and_registry_reference(small_catalog: Catalog) -> None:
    [image] = _violations(
        pulumi_resource(IMAGE, {"imageSourceUrl": "https://images.bigcloudapis.test/ubuntu.qcow2"}),
        small_catalog,
    )
    assert image.path == "image_source_url"
    assert "images.bigcloudapis.test" in image.message
    # A registry reference has no scheme: its first segment is still the host.
    user_data = "#cloud-config\nruncmd:\n  - podman run bigcloud.test/library/nginx:1.25\n"
    [registry] = _violations(_tf("openstack_compute_instance_v2", {"user_data": user_data}), small_catalog)
    assert registry.path == "user_data"
    assert "bigcloud.test" in registry.message


def test_nested_webhook_in_metadata(small_catalog: Catalog) -> None:
    inputs = {"metadata": {"alertWebhook": "https://hooks.bigcloudapis.test/T000/B000"}}
    [violation] = _violations(pulumi_resource(INSTANCE, inputs), small_catalog)
    assert violation.path == "metadata.alertWebhook"
    after = {"network": [{"name": "lan"}], "metadata": {"backup_target": "s3://dumps.bigcloudapis.test/hdh"}}
    [violation] = _violations(_tf("openstack_compute_instance_v2", after), small_catalog)
    assert violation.path == "metadata.backup_target"


def test_secret_values_are_checked_but_never_quoted(small_catalog: Catalog) -> None:
    inputs = {"metadata": {**SECRET_ENVELOPE, "value": {"hook": "https://hooks.bigcloudapis.test/x"}}}
    [violation] = _violations(pulumi_resource(INSTANCE, inputs), small_catalog)
    assert "hooks.bigcloudapis.test" not in violation.message
    assert violation.path == "metadata.hook"
    tf = _tf(
        "openstack_compute_instance_v2",
        {"user_data": "curl https://hooks.bigcloudapis.test/x"},
        after_sensitive={"user_data": True},
    )
    [violation] = _violations(tf, small_catalog)
    assert "hooks.bigcloudapis.test" not in violation.message


def test_description_is_prose(small_catalog: Catalog) -> None:
    inputs = {"description": "migrated from bigcloud.test in 2026"}
    assert _violations(pulumi_resource("openstack:networking/secGroup:SecGroup", inputs), small_catalog) == []


def test_lookalike_hosts_do_not_match(small_catalog: Catalog) -> None:
    inputs = {"imageSourceUrl": "https://notbigcloud.test/u.qcow2", "name": "bigcloud.test.example.org"}
    assert _violations(pulumi_resource(IMAGE, inputs), small_catalog) == []


@pytest.fixture
def resolver_catalog(small_catalog: Catalog) -> Catalog:
    resolver = msgspec.convert(
        {
            "id": "bigdns",
            "name": "BigDNS public resolver",
            "kind": "service",
            "operator": {
                "entity": "BigDNS LLC",
                "country": "US",
                "source": {"url": "https://x.test", "as_of": "2026-01-01"},
            },
            "us_controlled": True,
            "endpoints": {"ip_addresses": ["192.0.2.53", "2001:db8:53::/48"]},
        },
        Offer,
    )
    return Catalog([*small_catalog.offers, resolver])


def test_us_dns_resolvers(resolver_catalog: Catalog) -> None:
    [violation] = _violations(pulumi_resource(SUBNET, {"dnsNameservers": ["192.0.2.53"]}), resolver_catalog)
    assert violation.path == "dns_nameservers[0]"
    assert "BigDNS LLC" in violation.message
    subnet = _tf("openstack_networking_subnet_v2", {"dns_nameservers": ["10.0.0.2", "2001:db8:53::1"]})
    [violation] = _violations(subnet, resolver_catalog)
    assert violation.path == "dns_nameservers[1]"
    assert _violations(pulumi_resource(SUBNET, {"dnsNameservers": ["192.0.2.54"]}), resolver_catalog) == []
    # Inside a URL, both address families count.
    url = {"metadata": {"probe": "http://[2001:db8:53::9]:8080/health", "other": "udp://192.0.2.53:53"}}
    assert len(_violations(pulumi_resource(INSTANCE, url), resolver_catalog)) == 2
