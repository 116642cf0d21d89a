"""Which offer holds a resource, and where a resource is when it does not say so itself.

The families (issue 12 and 13 follow-ups):
- encrypted-storage credits a resource with the encryption of the offer it really reaches: its region,
  its package and its provider's endpoint setting (`universe_domain`), as qualified-region resolves them.
  A `gcp` disk in the trusted offer's region without the trusted universe domain is on the hyperscaler's
  API, and is not credited with the trusted offer's encryption;
- what is unknown until apply is an `unknown` finding, never a pass or a skip: a block device whose
  destination or source is unknown, an encryption request or an SSE header whose value is unknown, a
  firewall's source tags that are unknown;
- a type that keeps its region below its top level (`nodes[].region` of OVHcloud databases) is judged
  there, every node in the same region; a type that belongs to another resource (an OVHcloud node pool to
  its cluster, a KMS key to its KMS) is where that resource is; a provider with no region setting whose
  offer has one region (Cloud Temple) is there, as the catalog records it (`packages.implied_region`).

The catalog (`fixtures/catalogs/reached-offers.yaml`) is invented; every expected verdict and message is
written by hand from it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.encrypted_storage import POLICY as ENCRYPTED_STORAGE
from souverain.policies.encrypted_storage import check as check_storage
from souverain.policies.no_public_ingress import POLICY as NO_PUBLIC_INGRESS
from souverain.policies.protected_data_store import POLICY as PROTECTED
from souverain.policies.qualified_endpoint import POLICY as QUALIFIED_ENDPOINT
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION
from test_placement_and_endpoints import (
    GOOGLE,
    GOOGLE_BETA,
    constant,
    explicit,
    preview,
    provider_step,
    resource,
    step,
    tf_plan,
)

from souverain.catalog import Catalog, load_catalog
from souverain.catalog_view import catalog_view, render_catalog
from souverain.engine import evaluate
from souverain.errors import InputError
from souverain.model import Resource
from souverain.policy import Enforcement, Settings
from souverain.readers import parse_plan
from souverain.readers._common import PULUMI_UNKNOWN

CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "reached-offers.yaml"
OVH = "registry.terraform.io/ovh/ovh"
CLOUDTEMPLE = "registry.terraform.io/cloud-temple/cloudtemple"
ENC, QR = "encrypted-storage", "qualified-region"

NOT_CREDITED = (
    "{where} is served by Trusted Cloud only at its own endpoint, but its provider sets no "
    "universe_domain, so it reaches the default hyperapis.test: that offer's encryption does not apply, "
    "and no offer the {what} reaches is shown to encrypt it"
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG], replace=True)


def verdicts(document: dict[str, Any], catalog: Catalog, **options: Any) -> dict[str, list[str]]:
    """`policy name` -> messages (` (unknown)` marks unknown findings) of encrypted-storage and
    qualified-region over a whole document."""
    plan = parse_plan(document, "plan.json")
    evaluation = evaluate(plan.resources, catalog, [ENCRYPTED_STORAGE, QUALIFIED_REGION], **options)
    names = {r.address: r.name for r in plan.resources}
    found: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        marker = " (unknown)" if finding.unknown else ""
        key = f"{finding.policy} {names.get(finding.resource, finding.resource)}"
        found.setdefault(key, []).append(finding.message + marker)
    return found


def _encryption(resource: Resource, catalog: Catalog) -> list[tuple[str | None, bool, str]]:
    return [(v.path, v.unknown, v.message) for v in check_storage(resource, context(catalog))]


# === The offer a resource reaches decides its encryption ================================================


GOOGLE_STORES = [
    ("google_compute_disk", "disk", {"zone": "t-france-east1-a", "size": 50}, "volume"),
    ("google_storage_bucket", "raw", {"location": "T-FRANCE-EAST1"}, "object_container"),
    ("google_sql_database_instance", "pg", {"region": "t-france-east1"}, "database"),
]
WHERE = {
    "disk": "'t-france-east1-a' (region t-france-east1)",  # a zone: the message names its region
    "raw": "'T-FRANCE-EAST1' (region t-france-east1)",
    "pg": "region 't-france-east1'",
}


@pytest.mark.parametrize("source", [GOOGLE, GOOGLE_BETA])
def test_terraform_google_stores_without_universe_domain_get_no_trusted_encryption(
    source: str, catalog: Catalog
) -> None:
    stores = [resource(type_, name, "google", after) for type_, name, after, _ in GOOGLE_STORES]
    plain = tf_plan(stores, {"google": (source, {"project": constant("hdh")})})
    found = verdicts(plain, catalog)
    for _, name, _, what in GOOGLE_STORES:
        assert found[f"{ENC} {name}"] == [NOT_CREDITED.format(where=WHERE[name], what=what)]
    # The compliant twin: the trusted universe domain reaches the trusted offer, which encrypts all three.
    trusted = tf_plan(
        stores,
        {"google": (source, {"project": constant("hdh"), "universe_domain": constant("trustedapis.test")})},
    )
    assert verdicts(trusted, catalog) == {}


def test_pulumi_gcp_stores_follow_the_stack_universe_domain(catalog: Catalog) -> None:
    steps = [
        step("gcp:compute/disk:Disk", "disk", {"zone": "t-france-east1-a", "size": 50}),
        step("gcp:storage/bucket:Bucket", "raw", {"location": "T-FRANCE-EAST1"}),
        step("gcp:sql/databaseInstance:DatabaseInstance", "pg", {"region": "t-france-east1"}),
    ]
    found = verdicts(preview(*steps, config={"gcp:project": "hdh"}), catalog)
    assert found["encrypted-storage disk"] == [NOT_CREDITED.format(where=WHERE["disk"], what="volume")]
    assert found["encrypted-storage raw"] == [
        NOT_CREDITED.format(where=WHERE["raw"], what="object_container")
    ]
    assert found["encrypted-storage pg"] == [NOT_CREDITED.format(where=WHERE["pg"], what="database")]
    twin = preview(*steps, config={"gcp:project": "hdh", "gcp:universeDomain": "trustedapis.test"})
    assert verdicts(twin, catalog) == {}


def test_pulumi_explicit_provider_universe_domain_unknown_is_unknown(catalog: Catalog) -> None:
    document = preview(
        provider_step("gcp", "p", {"universeDomain": PULUMI_UNKNOWN}),
        step("gcp:compute/disk:Disk", "disk", {"zone": "t-france-east1-a"}, explicit("gcp", "p")),
    )
    found = verdicts(document, catalog)
    assert found["encrypted-storage disk"] == [
        "the universe_domain of provider 'gcp' is not known (set at apply time, or its configuration is not "
        "in the input), so the offer that must encrypt the volume is unknown (unknown)"
    ]
    # an unknown finding follows --unknowns
    plan = parse_plan(document, "plan.json")
    evaluation = evaluate(plan.resources, catalog, [ENCRYPTED_STORAGE], unknowns="advisory")
    assert [f.enforcement for f in evaluation.findings] == [Enforcement.ADVISORY]


# === Unknown is not a pass ==============================================================================


def test_block_devices_of_unknown_destination_or_source_are_judged(catalog: Catalog) -> None:
    image = {"uuid": "img", "source_type": "image", "destination_type": "volume", "volume_type": "slow"}
    unknown_destination = terraform_resource(
        "openstack_compute_instance_v2",
        {"block_device": [{**image, "destination_type": None}]},
        after_unknown={"block_device": [{"destination_type": True}]},
    )
    [(path, unknown, message)] = _encryption(unknown_destination, catalog)
    assert (path, unknown) == ("block_device[0].destination_type", True)
    assert message == (
        "block_device[0].destination_type is unknown until apply, so the device may create a volume, and "
        "volume_type 'slow' is not an encrypted type of Stack Sovereign (encrypted types: fast-luks)"
    )
    unknown_source = pulumi_resource(
        "openstack:compute/instance:Instance",
        {"blockDevices": [{"uuid": "img", "sourceType": PULUMI_UNKNOWN, "destinationType": "volume"}]},
    )
    [(path, unknown, message)] = _encryption(unknown_source, catalog)
    assert (path, unknown) == ("block_devices[0].source_type", True)
    assert "the operator's default type cannot be shown to be encrypted" in message
    whole_list = pulumi_resource("openstack:compute/instance:Instance", {"blockDevices": PULUMI_UNKNOWN})
    assert [(p, u) for p, u, _ in _encryption(whole_list, catalog)] == [("block_devices", True)]
    # Twins: an encrypted type is encrypted whatever the device turns out to be; a known local disk or an
    # existing volume creates no volume here.
    encrypted = terraform_resource(
        "openstack_compute_instance_v2",
        {"block_device": [{**image, "destination_type": None, "volume_type": "fast-luks"}]},
        after_unknown={"block_device": [{"destination_type": True}]},
    )
    assert _encryption(encrypted, catalog) == []
    known = terraform_resource(
        "openstack_compute_instance_v2",
        {"block_device": [{**image, "destination_type": "local"}, {**image, "source_type": "volume"}]},
    )
    assert _encryption(known, catalog) == []


def test_a_server_side_encryption_header_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    container = "openstack:objectstorage/container:Container"
    unknown = pulumi_resource(container, {"headers": {"X-Amz-Server-Side-Encryption": PULUMI_UNKNOWN}})
    assert _encryption(unknown, catalog) == [
        (
            "headers.X-Amz-Server-Side-Encryption",
            True,
            "headers.X-Amz-Server-Side-Encryption is unknown until apply, so the container's request for "
            "encryption cannot be shown (the object storage of Stack Sovereign is not recorded as encrypted "
            "at rest)",
        )
    ]
    all_headers = pulumi_resource(container, {"headers": PULUMI_UNKNOWN})
    assert [(p, u) for p, u, _ in _encryption(all_headers, catalog)] == [("headers", True)]
    asked = pulumi_resource(container, {"headers": {"X-Amz-Server-Side-Encryption": "AES256"}})
    assert _encryption(asked, catalog) == []
    [(_, unknown_flag, message)] = _encryption(pulumi_resource(container, {"name": "x"}), catalog)
    assert not unknown_flag
    assert message.endswith("and the container requests no server-side encryption")


def test_an_encryption_request_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    """`encryption.enabled` of an OVHcloud volume from another resource's output: the offer does not
    encrypt block storage here (SB lists no encrypted type), so only a known request passes."""

    def volume(encryption: Any, volume_type: str = "classic") -> Resource:
        inputs = {"region": "SB", "volumeType": volume_type, "encryption": {"enabled": encryption}}
        return pulumi_resource("ovh:index/cloudStorageBlockVolume:CloudStorageBlockVolume", inputs)

    nuage_without_encryption = load_catalog([CATALOG, _NUAGE_PLAIN], replace=True)
    assert _encryption(volume(PULUMI_UNKNOWN), nuage_without_encryption) == [
        (
            "encryption.enabled",
            True,
            "encryption.enabled is unknown until apply, so the volume's request for encryption cannot be "
            "shown (the block storage of Nuage Cloud is not recorded as encrypted at rest and lists no "
            "encrypted volume type)",
        )
    ]
    # an unknown finding: `--unknowns advisory` lets it through, the default keeps it mandatory
    for mode, level in (("fail", Enforcement.MANDATORY), ("advisory", Enforcement.ADVISORY)):
        evaluation = evaluate(
            [volume(PULUMI_UNKNOWN)], nuage_without_encryption, [ENCRYPTED_STORAGE], unknowns=mode
        )
        assert [f.enforcement for f in evaluation.findings] == [level]
    assert _encryption(volume(True), nuage_without_encryption) == []
    [(path, unknown, _)] = _encryption(volume(False), nuage_without_encryption)
    assert (path, unknown) == ("volume_type", False)


_NUAGE_PLAIN = Path(__file__).parent / "fixtures" / "catalogs" / "reached-offers-plain-nuage.yaml"


def test_google_firewall_source_tags_unknown_until_apply_is_unknown(small_catalog: Catalog) -> None:
    def firewall(after: dict[str, Any], unknown: dict[str, Any]) -> Resource:
        base = {"direction": "INGRESS", "allow": [{"protocol": "tcp", "ports": ["22"]}]}
        return terraform_resource("google_compute_firewall", {**base, **after}, after_unknown=unknown)

    def judged(resource_: Resource) -> list[tuple[str | None, bool]]:
        assert NO_PUBLIC_INGRESS.check_stack is not None
        found = NO_PUBLIC_INGRESS.check_stack([resource_], context(small_catalog))
        return [(v.path, v.unknown) for v in found]

    assert judged(firewall({"source_tags": None}, {"source_tags": True})) == [("source_tags", True)]
    assert judged(firewall({"source_tags": ["bastion"]}, {})) == []
    assert judged(firewall({"source_ranges": ["10.0.0.0/8"]}, {"source_tags": True})) == []


# === Where a resource is when it does not say so ========================================================


def _ovh_plan(*resources_: tuple[str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]) -> Any:
    return tf_plan(list(resources_), {"ovh": (OVH, {"endpoint": constant("ovh-eu")})})


def _database(name: str, nodes: Any, unknown: dict[str, Any] | None = None) -> Any:
    after = {"service_name": "p", "engine": "postgresql", "plan": "business", "nodes": nodes}
    return resource("ovh_cloud_project_database", name, "ovh", after, unknown)


def test_terraform_ovh_databases_are_where_their_nodes_are(catalog: Catalog) -> None:
    document = _ovh_plan(
        _database("good", [{"region": "NG"}, {"region": "NG"}]),
        _database("split", [{"region": "NG"}, {"region": "SB"}]),
        _database("unlisted", [{"region": "NG"}, {"region": "XX9"}]),
        _database("elsewhere", [{"region": "SB"}, {"region": "SB"}]),
        _database("none", []),
    )
    assert verdicts(document, catalog) == {
        "qualified-region split": [
            "nodes[1].region 'SB' is in region SB, not in nodes[0].region 'NG': the resource lands there"
        ],
        "qualified-region unlisted": [
            "nodes[1].region 'XX9' is not in the sovereignty catalog, and differs from nodes[0].region 'NG'"
        ],
        "qualified-region elsewhere": ["nodes[0].region 'SB' is not SecNumCloud-qualified for this provider"],
        "encrypted-storage none": ["the database has no region, so no offer can be shown to encrypt it"],
        "qualified-region none": [
            "no region is set on the resource or its provider, so it cannot be shown to be qualified"
        ],
    }


def test_pulumi_ovh_database_nodes_unknown_until_apply_are_unknown(catalog: Catalog) -> None:
    database = "ovh:CloudProject/database:Database"
    document = preview(
        step(database, "good", {"serviceName": "p", "nodes": [{"region": "NG"}]}),
        step(
            database, "later", {"serviceName": "p", "nodes": [{"region": "NG"}, {"region": PULUMI_UNKNOWN}]}
        ),
        step(database, "all-later", {"serviceName": "p", "nodes": PULUMI_UNKNOWN}),
    )
    assert verdicts(document, catalog) == {
        "qualified-region later": [
            "nodes[1].region is unknown until apply, so it cannot be shown to be in nodes[0].region 'NG' "
            "(unknown)"
        ],
        "encrypted-storage all-later": [
            "the database's region is unknown until apply, so the offer that must encrypt it is unknown "
            "(unknown)"
        ],
        "qualified-region all-later": [
            "region is unknown until apply, so it cannot be shown to be qualified (unknown)"
        ],
    }


def _kube(name: str, region: str) -> Any:
    return resource("ovh_cloud_project_kube", name, "ovh", {"service_name": "p", "region": region})


def _pool(name: str, cluster: str | None) -> Any:
    after = {"service_name": "p", "flavor_name": "b3-8", "desired_nodes": 3}
    type_, name_, key, after_, unknown, expressions = resource(
        "ovh_cloud_project_kube_nodepool", name, "ovh", after, {"kube_id": True}
    )
    if cluster is not None:
        expressions["kube_id"] = {"references": [f"{cluster}.id", cluster]}
    return type_, name_, key, after_, unknown, expressions


def test_terraform_ovh_node_pools_are_where_their_cluster_is(catalog: Catalog) -> None:
    document = _ovh_plan(
        _kube("qualified", "NG11"),
        _kube("plain", "SB"),
        _pool("good", "ovh_cloud_project_kube.qualified"),
        _pool("bad", "ovh_cloud_project_kube.plain"),
        _pool("orphan", "ovh_cloud_project_kube.elsewhere"),
    )
    found = verdicts(document, catalog)
    assert found == {
        # the cluster itself and the pool that belongs to it: region SB is not qualified
        "qualified-region plain": ["region 'SB' is not SecNumCloud-qualified for this provider"],
        "qualified-region bad": ["region 'SB' is not SecNumCloud-qualified for this provider"],
        # a cluster the plan does not hold: no region is shown (fail closed)
        "encrypted-storage orphan": ["the node_pool has no region, so no offer can be shown to encrypt it"],
        "qualified-region orphan": [
            "no region is set on the resource or its provider, so it cannot be shown to be qualified"
        ],
    }
    plan = parse_plan(document, "plan.json")
    evaluate(plan.resources, catalog, [QUALIFIED_REGION])
    sources = {r.name: r.region_source for r in plan.resources if r.type.endswith("nodepool")}
    assert sources == {"good": "reference", "bad": "reference", "orphan": None}


def test_a_node_pool_named_by_a_known_id_takes_that_clusters_region(catalog: Catalog) -> None:
    """A state or a plan that updates: ids are known, and the pool names its cluster by id."""
    kube_a = resource("ovh_cloud_project_kube", "a", "ovh", {"id": "kube-a", "region": "NG11"})
    kube_b = resource("ovh_cloud_project_kube", "b", "ovh", {"id": "kube-b", "region": "SB"})
    pool = resource("ovh_cloud_project_kube_nodepool", "pool", "ovh", {"kube_id": "kube-b"})
    found = verdicts(_ovh_plan(kube_a, kube_b, pool), catalog)
    assert found["qualified-region pool"] == ["region 'SB' is not SecNumCloud-qualified for this provider"]


def test_pulumi_okms_keys_and_node_pools_are_where_their_parent_is(catalog: Catalog) -> None:
    kms_urn = "urn:pulumi:dev::hdh::ovh:Okms/okms:Okms::kms"
    kms = step("ovh:Okms/okms:Okms", "kms", {"region": "NG11"})
    key = step("ovh:Okms/serviceKey:ServiceKey", "key", {"okmsId": PULUMI_UNKNOWN, "name": "k"})
    key["newState"]["dependencies"] = [kms_urn]
    lost = step("ovh:Okms/serviceKey:ServiceKey", "lost", {"okmsId": PULUMI_UNKNOWN, "name": "k"})
    kube = step("ovh:CloudProject/kube:Kube", "kube", {"serviceName": "p", "region": "SB"})
    pool = step("ovh:CloudProject/kubeNodePool:KubeNodePool", "pool", {"kubeId": PULUMI_UNKNOWN})
    pool["newState"]["dependencies"] = ["urn:pulumi:dev::hdh::ovh:CloudProject/kube:Kube::kube"]
    assert verdicts(preview(kms, key, lost, kube, pool), catalog) == {
        # the cluster is in SB, not qualified: so is its node pool, through kubeId's dependency
        "qualified-region kube": ["region 'SB' is not SecNumCloud-qualified for this provider"],
        "qualified-region pool": ["region 'SB' is not SecNumCloud-qualified for this provider"],
        "encrypted-storage lost": ["the kms_key has no region, so no offer can be shown to encrypt it"],
        "qualified-region lost": [
            "no region is set on the resource or its provider, so it cannot be shown to be qualified"
        ],
    }


def _temple_disk(name: str) -> Any:
    after = {"name": name, "capacity": 10737418240, "virtual_machine_id": "vm-1"}
    return resource("cloudtemple_compute_virtual_disk", name, "cloudtemple", after)


def _temple_plan(*names: str) -> Any:
    disks = [_temple_disk(name) for name in names]
    return tf_plan(disks, {"cloudtemple": (CLOUDTEMPLE, {"client_id": constant("c")})})


def test_a_provider_without_region_setting_is_in_its_offers_one_region(catalog: Catalog) -> None:
    assert verdicts(_temple_plan("data"), catalog) == {
        # qualified-region passes: TR1 is qualified. encrypted-storage judges the offer, not "no region".
        "encrypted-storage data": [
            "the block storage of Temple Cloud is not recorded as encrypted at rest and lists no encrypted "
            "volume type, and the volume requests no encryption"
        ]
    }


def test_without_the_catalog_fact_the_region_is_not_shown(catalog: Catalog, tmp_path: Path) -> None:
    # The same offer without `implied_region`, and the fact undone by a second offer the package reaches
    # that does not record it: both fail closed.
    overlay = tmp_path / "temple.yaml"
    offer = (
        "  - id: {id}\n    name: {name}\n    operator: {{entity: T SAS, country: FR, source: {{url: "
        '"https://example.test/t", as_of: 2026-12-01}}}}\n    us_controlled: false\n    regions: '
        "[{{name: {region}}}]\n    packages: {{terraform: [cloud-temple/cloudtemple]}}\n"
    )
    for offers in (
        offer.format(id="temple", name="Temple Cloud", region="TR1"),
        offer.format(id="temple-two", name="Temple Two", region="TR2"),
    ):
        overlay.write_text(f"schema_version: 1\noffers:\n{offers}", encoding="utf-8")
        found = verdicts(_temple_plan("data"), load_catalog([CATALOG, overlay], replace=True))
        assert found == {
            "encrypted-storage data": ["the volume has no region, so no offer can be shown to encrypt it"],
            "qualified-region data": [
                "no region is set on the resource or its provider, so it cannot be shown to be qualified"
            ],
        }


def test_an_implied_region_must_be_one_of_the_offers_regions(tmp_path: Path) -> None:
    overlay = tmp_path / "bad.yaml"
    overlay.write_text(
        "schema_version: 1\noffers:\n  - id: t\n    name: T\n    operator: {entity: T, country: FR, "
        'source: {url: "https://example.test/t", as_of: 2026-12-01}}\n    us_controlled: false\n'
        "    regions: [{name: TR1}]\n    packages:\n      terraform: [cloud-temple/cloudtemple]\n"
        '      implied_region: {region: TR9, source: {url: "https://example.test/t", as_of: 2026-12-01}}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        load_catalog([overlay], replace=True)
    assert "packages.implied_region.region" in str(raised.value)
    assert "'TR9' is not one of the offer's regions" in str(raised.value)


def test_a_node_pool_keeps_its_clusters_region_on_a_second_evaluation(catalog: Catalog) -> None:
    """The stack-level pass that gives node pools their cluster's region runs once per evaluation and
    gives the same answer on a second one (the engine is called again by the CrossGuard pack)."""
    document = _ovh_plan(_kube("qualified", "NG11"), _pool("good", "ovh_cloud_project_kube.qualified"))
    plan = parse_plan(document, "plan.json")
    for _ in range(2):
        evaluation = evaluate(plan.resources, catalog, [QUALIFIED_REGION], settings=Settings())
        assert evaluation.findings == []


# === Other values that are unknown, not unset ===========================================================


def test_a_deletion_protection_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    assert PROTECTED.check_resource is not None
    production = Settings(production=True)

    def judged(resource_: Resource) -> list[tuple[str | None, bool]]:
        assert PROTECTED.check_resource is not None
        return [
            (v.path, v.unknown) for v in PROTECTED.check_resource(resource_, context(catalog, production))
        ]

    sql = "google_sql_database_instance"
    unknown = terraform_resource(
        sql, {"deletion_protection": None}, after_unknown={"deletion_protection": True}
    )
    assert judged(unknown) == [("deletion_protection", True)]
    assert judged(terraform_resource(sql, {"deletion_protection": True})) == []
    assert judged(terraform_resource(sql, {"deletion_protection": False})) == [("protect", False)]
    database = "ovh:CloudProject/database:Database"
    assert judged(pulumi_resource(database, {"deletionProtection": PULUMI_UNKNOWN})) == [
        ("deletion_protection", True)
    ]
    assert judged(pulumi_resource(database, {"deletionProtection": True})) == []


def test_container_metadata_unknown_until_apply_may_name_a_sync_target(catalog: Catalog) -> None:
    assert QUALIFIED_ENDPOINT.check_stack is not None
    container = "openstack_objectstorage_container_v1"

    def judged(resource_: Resource) -> list[tuple[str | None, bool]]:
        assert QUALIFIED_ENDPOINT.check_stack is not None
        found = QUALIFIED_ENDPOINT.check_stack([resource_], context(catalog))
        return [(v.path, v.unknown) for v in found if v.resource is resource_]

    unknown = terraform_resource(
        container, {"name": "raw", "metadata": None}, after_unknown={"metadata": True}
    )
    assert judged(unknown) == [("metadata", True)]
    assert judged(terraform_resource(container, {"name": "raw", "metadata": {"owner": "hdh"}})) == []


def test_a_whole_encryption_block_unknown_until_apply_is_unknown(catalog: Catalog) -> None:
    """`disk_encryption_key` as a whole from another resource's output: the key inside it is unknown too."""
    nuage_without_encryption = load_catalog([CATALOG, _NUAGE_PLAIN], replace=True)
    volume = pulumi_resource(
        "ovh:index/cloudStorageBlockVolume:CloudStorageBlockVolume",
        {"region": "SB", "volumeType": "classic", "encryption": PULUMI_UNKNOWN},
    )
    assert [(p, u) for p, u, _ in _encryption(volume, nuage_without_encryption)] == [
        ("encryption.encrypted", True)
    ]


def test_souverain_catalog_shows_the_implied_region(catalog: Catalog) -> None:
    view = catalog_view(catalog, date(2026, 12, 4))
    temple = next(p for p in view["providers"] if p["id"] == "temple")
    assert temple["packages"]["implied_region"] == {
        "region": "TR1",
        "source": {"url": "https://example.test/temple/provider", "as_of": "2026-12-01", "note": None},
    }
    stack = next(p for p in view["providers"] if p["id"] == "stack")
    assert stack["packages"]["implied_region"] is None
    text = render_catalog(catalog, "text", on=date(2026, 12, 4), color=False)
    assert "TR1 when a resource and its provider state none" in text
