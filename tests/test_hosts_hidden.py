"""no-us-controlled-service reads what the secret scan reads (encoded layers), and knows that an image
without a registry comes from the catalog's default registry; known-external-host reports the hosts the
catalog does not know. Test catalogs: small.yaml with the registries.yaml overlay (invented facts)."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest
from conftest import FIXTURES, SMALL_CATALOG, context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies import known_external_host, no_us_controlled
from test_decode import mime

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate, parse_policy_config
from souverain.model import Resource
from souverain.policy import Enforcement, Violation

INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
WEBHOOK = "https://hooks.bigcloudapis.test/services/T0/B0"
EU_WEBHOOK = "https://hooks.snc.acme.test/services/T0/B0"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([SMALL_CATALOG, FIXTURES / "catalogs" / "registries.yaml"], replace=True)


def us(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert no_us_controlled.POLICY.check_resource is not None
    return [
        v
        for v in no_us_controlled.POLICY.check_resource(resource, context(catalog))
        if v.path is not None  # the package verdicts are tested elsewhere
    ]


def unknown(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert known_external_host.POLICY.check_resource is not None
    return list(known_external_host.POLICY.check_resource(resource, context(catalog)))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def gz_b64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


def _both(user_data: str) -> list[Resource]:
    return [
        pulumi_resource(INSTANCE, {"userData": user_data}, name="p"),
        terraform_resource(TF_INSTANCE, {"user_data": user_data}, name="t"),
    ]


ENCODINGS = [
    gz_b64,
    lambda text: base64.encodebytes((text * 3).encode()).decode(),
    lambda text: mime(("text/x-shellscript", "base64", b64(text))),
    lambda text: gz_b64(
        mime(("text/cloud-config", "7bit", "#cloud-config\n"), ("text/x-shellscript", "base64", b64(text)))
    ),
]


@pytest.mark.parametrize("encode", ENCODINGS)
def test_us_hosts_inside_encoded_user_data(catalog: Catalog, encode: Any) -> None:
    bad = f"#!/bin/sh\ncurl -X POST {WEBHOOK} -d ok\n"
    good = f"#!/bin/sh\ncurl -X POST {EU_WEBHOOK} -d ok\n"
    for resource in _both(encode(bad)):
        [violation] = us(resource, catalog)
        assert violation.path == "user_data"
        assert "hooks.bigcloudapis.test" in violation.message
        assert "BigCloud Corp." in violation.message
    for resource in _both(encode(good)):
        assert us(resource, catalog) == []


def test_a_user_data_bomb_fails_closed_for_hosts_too(catalog: Catalog) -> None:
    bomb = base64.b64encode(gzip.compress(b"#!/bin/sh\n" + b"#" * (5 << 20))).decode()
    for resource in _both(bomb):
        [violation] = us(resource, catalog)
        assert "cannot be shown to name no US-controlled host" in violation.message


# --- container images without a registry ---------------------------------------------------------------


def k8s(image: str) -> Resource:
    return pulumi_resource(
        DEPLOYMENT, {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": image}]}}}}
    )


def tf_k8s(image: str) -> Resource:
    resource = terraform_resource(
        "kubernetes_deployment",
        {"spec": [{"template": [{"spec": [{"init_container": [{"image": image}], "container": []}]}]}]},
    )
    resource.package = "registry.terraform.io/hashicorp/kubernetes"
    return resource


def docker_container(image: str) -> Resource:
    resource = terraform_resource("docker_container", {"name": "db", "image": image})
    resource.package = "registry.terraform.io/kreuzwerker/docker"
    return resource


def remote_image(name: str) -> Resource:
    return pulumi_resource("docker:index/remoteImage:RemoteImage", {"name": name})


SHAPES = [k8s, tf_k8s, docker_container, remote_image]
DEFAULT_REGISTRY_IMAGES = [
    "postgres:16",
    "postgres",
    "library/nginx",
    "bitnami/redis:7.2",
    "nginx@sha256:" + "a" * 64,
    "nginx:1.27@sha256:" + "b" * 64,
]
NAMED_EU_REGISTRY = ["registry.snc.acme.test/hdh/postgres:16", "registry.snc.acme.test:5000/nginx"]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.__name__)
def test_images_without_a_registry_come_from_the_default_registry(catalog: Catalog, shape: Any) -> None:
    for image in DEFAULT_REGISTRY_IMAGES:
        [violation] = us(shape(image), catalog)
        assert "names no registry" in violation.message, image
        assert "hub.example.test" in violation.message
        assert "HubCloud Inc." in violation.message
    for image in NAMED_EU_REGISTRY:
        assert us(shape(image), catalog) == [], image
    [violation] = us(shape("hub.example.test/library/nginx:1.27"), catalog)  # named, and US: a host finding
    assert "hub.example.test" in violation.message


def test_machine_images_are_not_container_images(catalog: Catalog) -> None:
    glance = pulumi_resource(INSTANCE, {"imageName": "ubuntu-22.04", "flavorName": "b2-7"})
    magnum = terraform_resource("openstack_containerinfra_clustertemplate_v1", {"image": "fedora-coreos"})
    gce = terraform_resource(
        "google_compute_instance",
        {"boot_disk": [{"initialize_params": [{"image": "debian-cloud/debian-12"}]}]},
    )
    scaleway = terraform_resource("scaleway_instance_server", {"image": "ubuntu_jammy"})
    for resource in (glance, magnum, gce, scaleway):
        assert us(resource, catalog) == [], resource.type


def test_without_a_default_in_the_catalog_no_registry_is_assumed(small_catalog: Catalog) -> None:
    assert us(k8s("postgres:16"), small_catalog) == []


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\ndocker run -d --name db -p 5432:5432 -e POSTGRES_DB=hdh postgres:16\n",
        "#!/bin/sh\ndocker pull redis:7 && docker run redis:7\n",
        "#!/bin/sh\npodman run --rm -v /srv:/srv:Z library/nginx\n",
        "#cloud-config\nruncmd:\n  - [sh, -c, 'nerdctl container run -d grafana/grafana']\n",
        "#cloud-config\nwrite_files:\n  - path: /srv/compose.yaml\n    content: |\n"
        "      services:\n        db:\n          image: postgres:16\n",
    ],
)
def test_images_in_cloud_init_text(catalog: Catalog, script: str) -> None:
    for user_data in (script, gz_b64(script)):
        for resource in _both(user_data):
            [violation] = us(resource, catalog)
            assert violation.path == "user_data"
            assert "the default registry" in violation.message
    eu = (
        script.replace("postgres:16", "registry.snc.acme.test/postgres:16")
        .replace("redis:7", "registry.snc.acme.test/redis:7")
        .replace("library/nginx", "registry.snc.acme.test/nginx")
        .replace("grafana/grafana", "registry.snc.acme.test/grafana/grafana")
    )
    for resource in _both(eu):
        assert us(resource, catalog) == [], eu


# --- known-external-host -------------------------------------------------------------------------------


def test_unknown_hosts_are_reported(catalog: Catalog) -> None:
    cases: list[tuple[Resource, str, str]] = [
        (
            pulumi_resource(INSTANCE, {"metadata": {"hook": "https://alerts.unknown-vendor.com/x"}}),
            "metadata.hook",
            "alerts.unknown-vendor.com",
        ),
        (
            terraform_resource(TF_INSTANCE, {"metadata": {"smtp_server": "smtp.unknown-vendor.com:587"}}),
            "metadata.smtp_server",
            "smtp.unknown-vendor.com",
        ),
        (
            pulumi_resource(
                INSTANCE, {"userData": gz_b64("#!/bin/sh\ncurl https://get.unknown-vendor.com/i.sh | sh\n")}
            ),
            "user_data",
            "get.unknown-vendor.com",
        ),
        (
            k8s("registry.unknown-vendor.com/app:1"),
            "spec.template.spec.containers[0].image",
            "registry.unknown-vendor.com",
        ),
        (
            pulumi_resource(INSTANCE, {"metadata": {"api": "http://198.51.100.7:8080/v1"}}),
            "metadata.api",
            "198.51.100.7",
        ),
    ]
    for resource, path, host in cases:
        [violation] = unknown(resource, catalog)
        assert violation.path == path
        assert host in violation.message


def test_known_internal_and_non_host_values_are_not_reported(catalog: Catalog) -> None:
    quiet = pulumi_resource(
        INSTANCE,
        {
            "name": "web01.hdh.example.org",
            "flavorName": "t3.micro",
            "description": "see https://wiki.unknown-vendor.com/runbook",
            "metadata": {
                "keystone": "https://auth.snc.acme.test/v3",
                "hook": WEBHOOK,  # known (US): no-us-controlled-service's finding, not this one's
                "mirror": "https://mirror.example.eu/debian",
                "registry": "registry.snc.acme.test",
                "db_host": "db.internal",
                "cache": "redis://cache.svc.cluster.local:6379",
                "api": "http://10.0.0.5:8080/",
                "dns_server": "localhost",
                "config": "config.yaml",
                "script": "app.py",
                "version": "v1.2.3",
                "release": "1.27.3",
                "ref": "var.region",
                "port_ref": "openstack_networking_port_v2.app.id",
                "floating": "198.51.100.20",
                "mock_ref": "https://key-manager.invalid/v1/secrets/abc",  # RFC 6761: never resolves
                "sample": "http://service.example/",
            },
        },
    )
    assert unknown(quiet, catalog) == []
    record = terraform_resource(
        "openstack_dns_recordset_v2", {"name": "www.hdh.example.org.", "records": ["198.51.100.20"]}
    )
    assert unknown(record, catalog) == []
    assert (
        unknown(k8s("postgres:16"), catalog) == []
    )  # the default registry is known (and US: the other policy)


def test_unknown_hosts_are_advisory_unless_configured(catalog: Catalog) -> None:
    resources = [pulumi_resource(INSTANCE, {"metadata": {"hook": "https://alerts.unknown-vendor.com/x"}})]
    policies = [known_external_host.POLICY]
    [finding] = evaluate(resources, catalog, policies).findings
    assert finding.enforcement is Enforcement.ADVISORY
    [finding] = evaluate(
        resources,
        catalog,
        policies,
        parse_policy_config({"known-external-host": "mandatory"}, "config.json", ["known-external-host"]),
    ).findings
    assert finding.enforcement is Enforcement.MANDATORY


def test_secret_hosts_are_judged_but_not_quoted(catalog: Catalog) -> None:
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    secret = pulumi_provider(
        "openstack",
        {"endpointOverrides": {"hook": {**envelope, "value": "https://alerts.unknown-vendor.com/x"}}},
    )
    [violation] = unknown(secret, catalog)
    assert "unknown-vendor" not in violation.message


def test_timestamps_are_skipped_but_what_follows_one_is_read(catalog: Catalog) -> None:
    """The shared walk leaves out values that are whole RFC 3339 timestamps (they name no host and hold no
    secret); a value that only starts like one is judged as any other."""
    dates = {
        "created": "2025-07-16T19:43:46Z",
        "updated": "2025-07-16T19:43:46.123456+02:00",
        "at": "2025-07-16 19:43",
    }
    for make, type_ in ((pulumi_resource, INSTANCE), (terraform_resource, TF_INSTANCE)):
        assert us(make(type_, {"metadata": dates}), catalog) == []
        assert unknown(make(type_, {"metadata": dates}), catalog) == []
        hooked = make(type_, {"metadata": {**dates, "log": f"2025-07-16T19:43:46Z {WEBHOOK}"}})
        [found] = us(hooked, catalog)
        assert found.path == "metadata.log"
        assert "hooks.bigcloudapis.test" in found.message
        odd = make(type_, {"metadata": {"log": "2025-07-16T19:43:46Z,https://alerts.unknown-vendor.com/x"}})
        [named] = unknown(odd, catalog)
        assert "alerts.unknown-vendor.com" in named.message


@pytest.mark.parametrize("label", ["data", "config", "local", "path", "var", "module"])
def test_a_url_host_is_judged_whatever_its_first_label(catalog: Catalog, label: str) -> None:
    """`data.`, `config.`... start Terraform references (`var.region`), which only a whole value can be:
    the host of a URL or an image's registry is a host by its place, and was once never judged."""
    host = f"{label}.unknown-vendor.com"
    for make, type_ in ((pulumi_resource, INSTANCE), (terraform_resource, TF_INSTANCE)):
        [in_url] = unknown(make(type_, {"metadata": {"hook": f"https://{host}/x"}}), catalog)
        assert in_url.path == "metadata.hook"
        assert host in in_url.message
    [in_image] = unknown(k8s(f"{host}/app:1"), catalog)
    assert host in in_image.message
    # a whole value shaped like a reference stays a reference, even under a host key
    assert unknown(pulumi_resource(INSTANCE, {"metadata": {"endpoint": f"{label}.region"}}), catalog) == []


@pytest.mark.parametrize(
    ("script", "image"),
    [
        ("#!/bin/sh\nsudo docker run -d {image}\n", "nginx"),  # no `.` or `:` in the whole text
        ("#!/bin/sh\ndocker container run --rm --name=web -d {image}\n", "nginx"),
        ("#!/bin/sh\ncrictl pull {image}\n", "nginx"),
        ("#cloud-config\nruncmd:\n  - [docker, run, -d, {image}]\n", "nginx"),  # cloud-init's list form
        ("#cloud-config\nruncmd:\n  - [ podman, run, -d, '{image}' ]\n", "postgres:16"),
        ('#cloud-config\nruncmd:\n  - ["docker", "pull", "{image}"]\n', "redis"),
        ("#cloud-config\nruncmd:\n  - [docker,run,-d,{image}]\n", "nginx"),
        ("#!/bin/sh\nkubectl run web --image={image}\n", "nginx"),
        ("#!/bin/sh\nkubectl create deployment web --image {image} --replicas=2\n", "nginx:1.27"),
    ],
)
def test_image_commands_in_every_spelling(catalog: Catalog, script: str, image: str) -> None:
    """An image pulled by a command names the default registry when it names none, in a shell line or in
    cloud-init's list form; the same image from the offer's registry is no finding."""
    for user_data in (script.format(image=image), gz_b64(script.format(image=image))):
        for resource in _both(user_data):
            [violation] = us(resource, catalog)
            assert violation.path == "user_data"
            assert "the default registry" in violation.message
    for resource in _both(script.format(image=f"registry.snc.acme.test/{image}")):
        assert us(resource, catalog) == []


def test_machine_images_on_command_lines_are_not_container_images(catalog: Catalog) -> None:
    script = "#!/bin/sh\nopenstack server create --image ubuntu-22.04 --flavor b2-7 vm\n"
    for resource in _both(script):
        assert us(resource, catalog) == []


@pytest.mark.parametrize(
    "value",
    [
        "//assets.unknown-vendor.com/app.js",  # scheme-relative: the page's scheme, this host
        '<script src="//assets.unknown-vendor.com/app.js"></script>',
    ],
)
def test_a_scheme_relative_url_names_its_host(catalog: Catalog, value: str) -> None:
    for make, type_ in ((pulumi_resource, INSTANCE), (terraform_resource, TF_INSTANCE)):
        [named] = unknown(make(type_, {"metadata": {"page": value}}), catalog)
        assert named.path == "metadata.page"
        assert "assets.unknown-vendor.com" in named.message
    # a doubled slash inside a path names no host
    assert (
        unknown(pulumi_resource(INSTANCE, {"metadata": {"dir": "/srv//data.unknown-vendor.com"}}), catalog)
        == []
    )
