"""`pulumi stack export`: a deployment (`apitype.UntypedDeployment`, version 3 or 4) of the stack as it is.

Shape: `{"version": 3, "deployment": {"manifest": {...}, "secrets_providers": {"type": "passphrase",
"state": {...}}, "resources": [{"urn", "custom", "id", "type", "inputs", "outputs", "parent",
"protect", "retainOnDelete", "provider", "dependencies", "propertyDependencies", ...}], "metadata"}}`.
Secrets are `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}`
(`"plaintext"` with `--show-secrets`). The checkpoint file of a self-managed backend
(`.pulumi/stacks/<project>/<stack>.json`: `{"version": 3, "checkpoint": {"stack", "latest": <deployment>}}`)
is read the same way. Every resource's operation is `same`, except those the state marks `delete` (the
next update deletes them) or `taint` (the next update replaces them). Version 4 adds `"features": [...]`
beside `deployment` (or `checkpoint`) and new optional resource fields; its resources are read as version
3's are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from ..model import Operation, Plan
from ._common import (
    expect_list,
    expect_mapping,
    expect_str,
    fail,
    json_type,
    optional_bool,
    optional_str,
    str_tuple,
)
from ._json import DeclinedError, member_as
from ._pulumi import (
    PendingResource,
    TypedState,
    Urn,
    generic_state,
    parse_urn,
    resolve_providers,
    resource_from_state,
    stack_and_project,
    typed_outputs,
)

SOURCE = "pulumi-state"
SUPPORTED_VERSIONS = (1, 2, 3, 4)
"""Deployment versions: 3 is what Pulumi writes by default; 4 is the same deployment with a `features` list
beside it, written as soon as a stack uses a newer feature (`refreshBeforeUpdate`, `views`, `hooks`,
`taint`, `replaceWith`, `byteString`...): pulumi/pulumi `apitype.DeploymentSchemaVersionLatest`."""


def _check_version(data: Mapping[str, Any], path: str) -> None:
    if "deployment" not in data and "checkpoint" not in data:
        fail(path, "", "is not `pulumi stack export` output: no deployment")
    version = data.get("version")
    if isinstance(version, float):
        fail(path, "version", f"must be a whole number, not {version!r}")
    if isinstance(version, bool) or not isinstance(version, int):
        fail(path, "version", f"must be a number, not {json_type(version)}")
    if version not in SUPPORTED_VERSIONS:
        shown = version if abs(version) < 10**9 else "out of range"
        fail(path, "version", f"deployment version {shown} is not supported (this reader knows 1 to 4)")
    # Version 4 names the features it uses; none changes the fields this reader reads, so any is accepted.
    str_tuple(data.get("features"), path, "features")


def _deployment(data: Mapping[str, Any], path: str) -> tuple[Mapping[str, Any], str]:
    if "deployment" in data:
        return expect_mapping(data.get("deployment"), path, "deployment"), "deployment"
    checkpoint = expect_mapping(data.get("checkpoint"), path, "checkpoint")
    return expect_mapping(checkpoint.get("latest"), path, "checkpoint.latest"), "checkpoint.latest"


class _Deployment(msgspec.Struct):
    """A deployment as the typed path reads it: each resource a `TypedState` (one C-level decode, outputs
    left undecoded beside inputs: half of an export)."""

    secrets_providers: Any = None
    resources: list[TypedState] | None = None


def _typed_deployment(data: Mapping[str, Any]) -> tuple[Any, list[tuple[TypedState, Any]]] | None:
    """The secrets providers and the states of a `deployment` read straight into the typed shape; None when
    it cannot be. Every state's outputs are built here, before any field is checked: a value msgspec refuses
    (DeclinedError) is then reported as the generic path reports it, whatever else is wrong."""
    if "deployment" not in data:
        return None  # a checkpoint file: read generically
    deployment = member_as(data, "deployment", _Deployment)
    if deployment is None:
        return None
    states = [(state, typed_outputs(state)) for state in deployment.resources or ()]
    return deployment.secrets_providers, states


def _generic_states(resources: Any, path: str, prefix: str) -> Iterator[tuple[TypedState, Any]]:
    """The resources of a deployment decoded whole, each in the typed shape (`generic_state`), checked as
    the loop reaches them (a generator: the list itself is checked after the secrets provider)."""
    for index, raw in enumerate(expect_list(resources, path, f"{prefix}.resources")):
        if not isinstance(raw, Mapping):
            fail(path, f"{prefix}.resources[{index}]", f"must be an object, not {json_type(raw)}")
        yield generic_state(raw)


def parse(data: Mapping[str, Any], path: str) -> Plan:
    _check_version(data, path)
    try:
        typed = _typed_deployment(data)  # builds the outputs beside empty inputs: may decline too
        if typed is not None:
            return _parse_deployment(*typed, "deployment", path)
    except DeclinedError:
        pass  # a value msgspec refuses (`1e400`): the generic path reports it
    deployment, prefix = _deployment(data, path)
    states = _generic_states(deployment.get("resources"), path, prefix)
    return _parse_deployment(deployment.get("secrets_providers"), states, prefix, path)


def _parse_deployment(
    raw_secrets: Any, states: Iterable[tuple[TypedState, Any]], prefix: str, path: str
) -> Plan:
    secrets = expect_mapping(raw_secrets, path, f"{prefix}.secrets_providers")
    secrets_provider = optional_str(secrets.get("type"), path, f"{prefix}.secrets_providers.type")
    pending: list[PendingResource] = []
    urns: list[Urn] = []
    for index, (state, outputs) in enumerate(states):
        field = f"{prefix}.resources[{index}]"
        address = state.urn
        if type(address) is not str or not address:
            address = expect_str(address, path, f"{field}.urn")
        urn = parse_urn(address, path, f"{field}.urn")
        urns.append(urn)
        # `delete: true` marks an old copy left behind by a create-before-delete replacement: the next
        # update deletes it.
        deleted = state.delete
        if type(deleted) is not bool:
            deleted = optional_bool(deleted, path, f"{field}.delete")
        # `taint: true` (`pulumi state taint`, deployment version 4): the next update replaces it.
        tainted = state.taint
        if type(tainted) is not bool:
            tainted = optional_bool(tainted, path, f"{field}.taint")
        operation = Operation.DELETE if deleted else Operation.REPLACE if tainted else Operation.SAME
        pending.append(resource_from_state(state, outputs, urn, address, path, field, operation, SOURCE))
    stack, project = stack_and_project(urns)
    return Plan(
        resources=resolve_providers(pending, {}),
        source=SOURCE,
        path=path,
        stack=stack,
        project=project,
        secrets_provider=secrets_provider,
        # The `service` secrets provider exists only on the Pulumi Cloud backend.
        backend="pulumi-cloud" if secrets_provider == "service" else None,
    )
