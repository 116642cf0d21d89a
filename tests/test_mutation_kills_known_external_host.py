"""known-external-host, against the mutants that survived its tests (docs/mutation.md): a `description`
does not end the walk, an image named in a script is judged by its registry, and a key naming the resource
itself is the last key of the path, whatever block or list holds it. Catalog: small.yaml with the
registries.yaml overlay (invented facts); verdicts are written by hand.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, SMALL_CATALOG, context, pulumi_resource, terraform_resource
from souverain.policies import known_external_host

from souverain.catalog import Catalog, load_catalog
from souverain.model import Resource
from souverain.policy import Violation

INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
UNKNOWN_HOOK = "https://alerts.unknown-vendor.com/x"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG, FIXTURES / "catalogs" / "registries.yaml"], replace=True)


def findings(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert known_external_host.POLICY.check_resource is not None
    return list(known_external_host.POLICY.check_resource(resource, context(catalog)))


def test_a_description_is_skipped_not_the_properties_after_it(catalog: Catalog) -> None:
    resource = pulumi_resource(
        INSTANCE, {"description": "the web tier", "metadata": {"hook": UNKNOWN_HOOK}, "flavorName": "b2-7"}
    )
    [violation] = findings(resource, catalog)
    assert violation.path == "metadata.hook"
    assert "alerts.unknown-vendor.com" in violation.message


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\ndocker run -d --name app registry.unknown-vendor.com/app:1\n",
        "#!/bin/sh\npodman pull registry.unknown-vendor.com:5000/tools/backup\n",
        "#!/bin/sh\ndocker pull registry.unknown-vendor.com/tools/backup\n",  # no `:` anywhere
        "#cloud-config\nwrite_files:\n  - path: /srv/compose.yaml\n    content: |\n"
        "      services:\n        app:\n          image: registry.unknown-vendor.com/app:1\n",
    ],
)
def test_an_image_in_a_script_is_judged_by_its_registry(catalog: Catalog, script: str) -> None:
    for resource in (
        pulumi_resource(INSTANCE, {"userData": script}, name="p"),
        terraform_resource(TF_INSTANCE, {"user_data": script}, name="t"),
    ):
        [violation] = findings(resource, catalog)
        assert violation.path == "user_data"
        assert "registry.unknown-vendor.com" in violation.message
        assert ":5000" not in violation.message  # the host, not the host and port
    known = script.replace("registry.unknown-vendor.com", "registry.snc.acme.test")
    assert findings(pulumi_resource(INSTANCE, {"userData": known}), catalog) == []


def test_a_self_name_under_a_block_named_like_a_host_is_the_resource_s_own(catalog: Catalog) -> None:
    # `name` is the last key: the backend's own name, not a host it reaches; the block's key does not count.
    # (The health check URL beside it names a known host.)
    health = "https://auth.snc.acme.test/health"
    resource = terraform_resource(
        "openstack_lb_pool_v2",
        {"backend_config": {"name": "web01.unknown-vendor.com"}, "health_check_url": health},
    )
    assert findings(resource, catalog) == []
    # the same block with a host key names a host it reaches
    reaches = terraform_resource(
        "openstack_lb_pool_v2",
        {"backend_config": {"address": "web01.unknown-vendor.com"}, "health_check_url": health},
    )
    [violation] = findings(reaches, catalog)
    assert violation.path == "backend_config.address"


def test_a_self_name_in_a_list_is_the_resource_s_own(catalog: Catalog) -> None:
    # A certificate's subject names (`dns_names[0]`): the key is `dns_names`, its own names, even though
    # the word `dns` names hosts elsewhere (`dns_server`). The endpoint beside it is known.
    resource = terraform_resource(
        "tls_cert_request",
        {"dns_names": ["api.unknown-vendor.com", "www.unknown-vendor.com"], "endpoint": "auth.snc.acme.test"},
    )
    assert findings(resource, catalog) == []
    reaches = terraform_resource(
        "tls_cert_request", {"dns_servers": ["ns1.unknown-vendor.com"], "endpoint": "auth.snc.acme.test"}
    )
    [violation] = findings(reaches, catalog)
    assert violation.path == "dns_servers[0]"
    assert "ns1.unknown-vendor.com" in violation.message


def test_a_script_s_default_registry_image_or_template_is_no_unknown_host(
    catalog: Catalog,
) -> None:
    # `postgres:16` names no registry: the catalog's default registry (known; US: the other policy's finding).
    # `image: ${APP_IMAGE}` is a template, no image reference at all.
    script = (
        "#!/bin/sh\ndocker run -d postgres:16\n"
        "cat > /srv/compose.yaml <<END\nservices:\n  app:\n    image: ${APP_IMAGE}\nEND\n"
    )
    for resource in (
        pulumi_resource(INSTANCE, {"userData": script}, name="p"),
        terraform_resource(TF_INSTANCE, {"user_data": script}, name="t"),
    ):
        assert findings(resource, catalog) == []


@pytest.mark.parametrize(
    "image_type", ["docker:index/remoteImage:RemoteImage", "docker:index/registryImage:RegistryImage"]
)
def test_an_image_resource_s_name_is_judged_by_its_registry(catalog: Catalog, image_type: str) -> None:
    [violation] = findings(
        pulumi_resource(image_type, {"name": "registry.unknown-vendor.com/app:1"}), catalog
    )
    assert violation.path == "name"
    assert "registry.unknown-vendor.com" in violation.message
    assert findings(pulumi_resource(image_type, {"name": "registry.snc.acme.test/app:1"}), catalog) == []


def test_every_container_image_is_judged_beside_a_known_one(catalog: Catalog) -> None:
    known = {"name": "proxy", "image": "registry.snc.acme.test/proxy:2"}
    unknown = {"name": "app", "image": "registry.unknown-vendor.com/app:1"}
    for containers, index in (([known, unknown], 1), ([unknown, known], 0)):  # judged in whichever order
        resource = pulumi_resource(
            "kubernetes:apps/v1:Deployment", {"spec": {"template": {"spec": {"containers": containers}}}}
        )
        [violation] = findings(resource, catalog)
        assert violation.path == f"spec.template.spec.containers[{index}].image"
        assert "registry.unknown-vendor.com" in violation.message


def test_every_value_inside_a_secret_is_judged_after_one_that_is_no_host(catalog: Catalog) -> None:
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    inner = {"timeout": 30, "keystone": "https://auth.snc.acme.test/v3", "hook": UNKNOWN_HOOK}
    secret = pulumi_resource(INSTANCE, {"metadata": {**envelope, "value": inner}})
    [violation] = findings(secret, catalog)
    assert violation.path is not None
    assert violation.path.endswith("hook")
    assert "unknown-vendor" not in violation.message
