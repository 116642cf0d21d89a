"""Objects deployed inside a Kubernetes cluster (the `kubernetes` and `helm` clients) reach that cluster,
whose offer the plan does not name: they fail closed until a catalog overlay records which offer the
clients reach and its region (`packages.implied_region`), as docs/catalog.md shows. Verdicts by hand."""

from __future__ import annotations

from conftest import FIXTURES, SMALL_CATALOG, pulumi_resource

from souverain.catalog import load_catalog
from souverain.checker import all_policies
from souverain.engine import evaluate
from souverain.model import Resource

SERVICE = "kubernetes:core/v1:Service"


def _policies_finding(resource: Resource, overlays: list[object]) -> list[str]:
    catalog = load_catalog([SMALL_CATALOG, *overlays], replace=True)
    return sorted({f.policy for f in evaluate([resource], catalog, all_policies()).findings})


def test_in_cluster_objects_fail_closed_without_an_overlay() -> None:
    service = pulumi_resource(
        SERVICE, {"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}, provider_region=None
    )
    assert _policies_finding(service, []) == ["no-us-controlled-service", "qualified-region"]


def test_an_overlay_naming_the_cluster_offer_settles_them() -> None:
    service = pulumi_resource(
        SERVICE, {"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}, provider_region=None
    )
    assert _policies_finding(service, [FIXTURES / "catalogs" / "in-cluster.yaml"]) == []
    # the overlay settles where the objects are, not what they expose
    exposed = pulumi_resource(SERVICE, {"spec": {"type": "LoadBalancer"}}, provider_region=None)
    assert _policies_finding(exposed, [FIXTURES / "catalogs" / "in-cluster.yaml"]) == ["no-public-ingress"]
