"""`souverain preview`: what a stack would create, run offline, as a tree with counts per type and tier.

The tier of a resource is its own `tier` tag (OpenStack `tags` or `metadata`), else the one tier of the
tagged resources it depends on, else its parent's, else the nearest enclosing component's type name;
resources outside any component and untagged have no tier. Secrets print as `[secret]`; unknowns as
`<unknown>`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import UNKNOWN, Resource, Secret
from .offline import STACK_TYPE
from .project import REFUSED_ID, run_project

NO_TIER = "(none)"


@dataclass(frozen=True, slots=True)
class Preview:
    project: str
    stack: str
    backend: str | None
    secrets_provider: str | None
    resources: list[Resource]
    tiers: dict[str, str]
    """Resource address -> tier."""
    outputs: dict[str, Any]

    def children(self) -> dict[str | None, list[Resource]]:
        known = {r.address for r in self.resources}
        tree: dict[str | None, list[Resource]] = {}
        for resource in self.resources:
            parent = resource.parent if resource.parent in known else None
            tree.setdefault(parent, []).append(resource)
        return tree

    def counts_by_type(self) -> dict[str, int]:
        counts = Counter(r.type for r in self.resources if r.type != STACK_TYPE)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def counts_by_tier(self) -> dict[str, int]:
        counts = Counter(self.tiers[r.address] for r in self.resources if r.is_cloud_resource)
        return dict(sorted(counts.items(), key=lambda item: (item[0] == NO_TIER, item[0])))


def component_label(type_token: str) -> str:
    """`souverain:components:Bastion` -> `Bastion`: the last segment of a component's type token."""
    return type_token.rsplit(":", 1)[-1]


def tiers_of(resources: list[Resource]) -> dict[str, str]:
    """Each resource's tier: its `tier` tag; else the one tier of the tagged resources it depends on
    (a rule takes its security group's); else its parent's; else its enclosing component's type name."""
    by_address = {r.address: r for r in resources}
    tagged = {r.address: r.tags["tier"] for r in resources if r.tags.get("tier")}
    tiers: dict[str, str] = {}

    def from_dependencies(resource: Resource) -> str | None:
        found = {tagged[d] for d in resource.dependencies if d in tagged}
        return found.pop() if len(found) == 1 else None

    def tier(resource: Resource) -> str:
        if resource.address in tiers:
            return tiers[resource.address]
        found = tagged.get(resource.address) or from_dependencies(resource)
        if found is None:
            parent = by_address.get(resource.parent or "")
            if parent is None or parent.type == STACK_TYPE:
                found = NO_TIER
            else:
                found = tier(parent)
                if found == NO_TIER and not parent.custom:
                    found = component_label(parent.type)
        tiers[resource.address] = found
        return found

    for resource in resources:
        tier(resource)
    return tiers


def build_preview(path: Path, stack: str) -> Preview:
    """The project's resource tree; a component that refused its arguments stops it (one line, exit 2),
    as `pulumi preview` would stop: a partial tree would read as the whole stack."""
    run, project, stack_file = run_project(path, stack)
    refused = [found for found in run.plan.input_findings if found.policy == REFUSED_ID]
    if refused:
        where = refused[0].location
        raise InputError(where.path if where else str(path), refused[0].message)
    plan = run.plan
    return Preview(
        project=project.name,
        stack=stack_file.name,
        backend=plan.backend,
        secrets_provider=plan.secrets_provider,
        resources=plan.resources,
        tiers=tiers_of(plan.resources),
        outputs=run.outputs,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Secret):
        return "[secret]"
    if value is UNKNOWN:
        return "<unknown>"
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _region(resource: Resource) -> str | None:
    region = resource.region
    if region is UNKNOWN:
        return "<unknown>"
    return region if isinstance(region, str) else None


def _tree_lines(preview: Preview) -> Iterator[str]:
    tree = preview.children()

    def walk(resource: Resource, prefix: str, last: bool, top: bool) -> Iterator[str]:
        branch = "" if top else ("`- " if last else "|- ")
        details = []
        region = _region(resource)
        if region and resource.is_cloud_resource:
            details.append(region)
        tier = preview.tiers.get(resource.address, NO_TIER)
        if resource.is_cloud_resource and tier != NO_TIER:
            details.append(f"tier {tier}")
        suffix = f"  [{', '.join(details)}]" if details else ""
        yield f"{prefix}{branch}{resource.type}  {resource.name}{suffix}"
        kids = tree.get(resource.address, [])
        child_prefix = prefix if top else prefix + ("   " if last else "|  ")
        for index, child in enumerate(kids):
            yield from walk(child, child_prefix, index == len(kids) - 1, False)

    for root in tree.get(None, []):
        yield from walk(root, "", True, True)


def render_text(preview: Preview) -> str:
    cloud = [r for r in preview.resources if r.is_cloud_resource]
    lines = [
        f"{preview.project} / {preview.stack}: {len(preview.resources)} resources "
        f"({len(cloud)} in a cloud), run offline",
        f"state backend: {preview.backend or '(none: pulumi login defaults to Pulumi Cloud)'}",
        f"secrets provider: {preview.secrets_provider or '(default)'}",
        "",
        *_tree_lines(preview),
        "",
        "by type:",
    ]
    counts = preview.counts_by_type()
    width = max((len(t) for t in counts), default=0)
    lines += [f"  {count:>4}  {type_token}" for type_token, count in counts.items() if width]
    lines += ["", "by tier (cloud resources):"]
    lines += [f"  {count:>4}  {tier}" for tier, count in preview.counts_by_tier().items()]
    if preview.outputs:
        lines += ["", "outputs:"]
        for name, value in sorted(preview.outputs.items()):
            lines.append(f"  {name}: {json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines) + "\n"


def preview_data(preview: Preview) -> dict[str, Any]:
    return {
        "project": preview.project,
        "stack": preview.stack,
        "backend": preview.backend,
        "secrets_provider": preview.secrets_provider,
        "resources": [
            {
                "address": r.address,
                "type": r.type,
                "name": r.name,
                "kind": r.kind,
                "parent": r.parent,
                "custom": r.custom,
                "provider": r.is_provider,
                "region": _region(r),
                "tier": preview.tiers.get(r.address, NO_TIER),
            }
            for r in preview.resources
        ],
        "counts": {"by_type": preview.counts_by_type(), "by_tier": preview.counts_by_tier()},
        "outputs": _plain(preview.outputs),
    }


def render_preview(path: Path, stack: str, fmt: str = "text") -> str:
    preview = build_preview(path, stack)
    if fmt == "json":
        return json.dumps(preview_data(preview), indent=2, ensure_ascii=False) + "\n"
    return render_text(preview)
