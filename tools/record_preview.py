"""Record a Pulumi program under the mock runtime and write it as `pulumi preview --json` writes it.

Real type tokens, real camelCase inputs, real secret marking: the program runs with the provider SDKs
themselves (`pip install pulumiverse-scaleway pulumi-gcp pulumi-ovh`; they are not souverain
dependencies), and every `RegisterResource` request is recorded whole by `souverain.offline`'s monitor.
What the mock cannot do, the digest is built from as the engine would: default providers get their
`default_<version>` URN and their inputs from the stack config, secret envelopes become `"[secret]"`,
and values unknown in preview stay the unknown sentinel. A step can be made a `delete` or `replace` with
`--op NAME=OP` (a preview of a change, where the program alone would only show creates).

    python tools/record_preview.py PROGRAM.py OUT.json --project P --stack S [--config k=v]... \
        [--secret-config k=v]... [--op name=delete]...

PROGRAM.py is a Pulumi program (its top level declares resources), run with `__name__ == "__main__"`.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from souverain.offline import (
    PROVIDER_PREFIX,
    STACK_TYPE,
    OfflineMocks,
    RecordingEngine,
    RecordingMonitor,
    _run_in_fresh_runtime,
    _run_isolated,
    _without_pulumi_config_env,
)

UNKNOWN_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown sentinel: a provider created in the same preview has no id yet."""
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 - the wire signature of a secret, no secret
SDK_DISTRIBUTIONS = {"scaleway": "pulumiverse_scaleway", "gcp": "pulumi_gcp", "ovh": "pulumi_ovh"}


class VersionedMonitor(RecordingMonitor):
    """Also keeps the provider plugin version each registration asks for (`default_<version>` URNs)."""

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.versions: dict[str, str] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - Pulumi's gRPC method name
        if request.version:
            self.versions[request.type.split(":", 1)[0]] = request.version
        return super().RegisterResource(request)


def _masked(value: Any) -> Any:
    """Wire values as the preview digest prints them: a secret is `"[secret]"`."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270":
            return "[secret]"
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _package_version(package: str, monitor: VersionedMonitor) -> str:
    if package in monitor.versions:
        return monitor.versions[package]
    distribution = SDK_DISTRIBUTIONS.get(package)
    return metadata.version(distribution) if distribution else "0.0.0"


def preview(
    program: Any,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: set[str],
    ops: Mapping[str, str],
) -> dict[str, Any]:
    """The `pulumi preview --json` document of `program`."""
    mocks = OfflineMocks({})
    monitor = VersionedMonitor(mocks)
    with _without_pulumi_config_env():
        _run_isolated(
            _run_in_fresh_runtime,
            program,
            monitor,
            RecordingEngine(),
            project=project,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            preview=True,
            root_directory=None,
        )
    steps: list[dict[str, Any]] = []
    defaults: dict[str, str] = {}
    stack_urn = ""
    for reg in monitor.registrations:
        if reg.type == STACK_TYPE:
            stack_urn = reg.urn
            steps.append(
                {
                    "op": "create",
                    "urn": reg.urn,
                    "newState": {"urn": reg.urn, "custom": False, "type": reg.type},
                }
            )
    for reg in monitor.registrations:
        package = reg.type.split(":", 1)[0]
        if (
            reg.type == STACK_TYPE
            or not reg.custom
            or reg.type.startswith(PROVIDER_PREFIX)
            or reg.provider_ref
        ):
            continue
        if package not in defaults:
            version = _package_version(package, monitor)
            name = "default_" + version.replace(".", "_")
            urn = f"urn:pulumi:{stack}::{project}::{PROVIDER_PREFIX}{package}::{name}"
            defaults[package] = urn
            inputs: dict[str, Any] = {"__internal": {}}
            for key, value in sorted(config.items()):
                if key.startswith(f"{package}:"):
                    inputs[key.split(":", 1)[1]] = "[secret]" if key in secret_keys else value
            inputs["version"] = version
            steps.append(
                {
                    "op": "create",
                    "urn": urn,
                    "newState": {
                        "urn": urn,
                        "custom": True,
                        "type": f"{PROVIDER_PREFIX}{package}",
                        "inputs": inputs,
                        "outputs": inputs,
                    },
                }
            )
    for reg in monitor.registrations:
        if reg.type == STACK_TYPE:
            continue
        op = ops.get(reg.name, "create")
        state: dict[str, Any] = {"urn": reg.urn, "custom": reg.custom, "type": reg.type}
        if reg.custom:
            # A create's preview state: the inputs, and what the provider computes unknown (its id at least).
            state["inputs"] = _masked(reg.inputs)
            state["outputs"] = {key: value for key, value in state["inputs"].items() if key != "__defaults"}
            state["outputs"].setdefault("id", UNKNOWN_ID)
        state["parent"] = reg.parent or stack_urn
        if reg.dependencies:
            state["dependencies"] = sorted(reg.dependencies)  # the order RPCs resolve in varies
        if reg.protect:
            state["protect"] = True
        if reg.retain_on_delete:
            state["retainOnDelete"] = True
        step: dict[str, Any] = {"op": op, "urn": reg.urn}
        if reg.custom and not reg.type.startswith(PROVIDER_PREFIX):
            package = reg.type.split(":", 1)[0]
            step["provider"] = reg.provider_ref or f"{defaults[package]}::{UNKNOWN_ID}"
            state["provider"] = step["provider"]
        if op == "delete":
            step["oldState"] = {**state, "id": f"{reg.name}-id"}
        elif op == "replace":
            step["oldState"] = {**state, "id": f"{reg.name}-id"}
            step["newState"] = state
            step["replaceReasons"] = sorted(reg.inputs)[:1]
        else:
            step["newState"] = state
        steps.append(step)
    summary: dict[str, int] = {}
    for step in steps:
        summary[step["op"]] = summary.get(step["op"], 0) + 1
    return {
        "config": {key: "[secret]" if key in secret_keys else value for key, value in sorted(config.items())},
        "steps": steps,
        "diagnostics": [],
        "duration": 1000000000,
        "changeSummary": summary,
    }


def _pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"expected key=value, got {item!r}")
        pairs[key] = value
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("program", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config", action="append", default=[])
    parser.add_argument("--secret-config", action="append", default=[])
    parser.add_argument("--op", action="append", default=[])
    args = parser.parse_args(argv)
    plain, secret = _pairs(args.config), _pairs(args.secret_config)
    path = args.program.resolve()

    def program() -> None:
        runpy.run_path(str(path), run_name="__main__")

    document = preview(
        program,
        project=args.project,
        stack=args.stack,
        config={**plain, **secret},
        secret_keys=set(secret),
        ops=_pairs(args.op),
    )
    args.output.write_text(json.dumps(document, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(document['steps'])} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
