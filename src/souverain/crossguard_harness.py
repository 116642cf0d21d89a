"""Drive the CrossGuard pack the way the Pulumi CLI does, without the Pulumi CLI.

`PackProcess` starts the pack as the CLI's `pulumi-analyzer-policy-python` does (working directory the pack
folder, `python -u -m pulumi.policy <engine address> .`, the port read from the first line of stdout),
then speaks the Analyzer gRPC protocol with the SDK's own stubs: Handshake, GetAnalyzerInfo, Configure
(the config reconciled as the CLI reconciles `--policy-pack-config`), ConfigureStack, Analyze per resource,
AnalyzeStack once. `wire_resources` turns a `pulumi preview --json` or `pulumi stack export` document into
the requests the engine would send. Used by the parity tests and the benchmarks.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .engine import Evaluation
from .model import Operation
from .readers._common import (
    PULUMI_OUTPUT_SIG,
    PULUMI_REF_SIG,
    PULUMI_SECRET_SIG,
    PULUMI_SIG_KEY,
    PULUMI_UNKNOWN,
)
from .waivers import WAIVED_FINDING_ID

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
"""The repository's pack folder (`policies/`), when running from a checkout."""
DUMMY_ENGINE = "127.0.0.1:1"
"""The Python pack never dials the engine (it logs to stderr without one), so any address will do."""
MASKED = "[secret]"
LEVELS = ("advisory", "mandatory", "remediate", "disabled")

ANALYZED_OPS = frozenset(
    {"create", "update", "same", "replace", "create-replacement", "import", "import-replacement"}
)
"""Preview steps whose new state the engine analyzes; deletes, reads and refreshes are never analyzed."""


class HarnessError(RuntimeError):
    """The pack did not start, or answered what the engine would not accept."""


# --- Pulumi JSON documents to the engine's wire form -------------------------------------------------------


def wire_value(value: Any) -> Any:
    """A property value from a preview or export document as the engine marshals it for analyzers.

    The engine knows every secret's value; a document may not (`[secret]` masks, ciphertexts): such a
    secret goes out as a secret envelope around the unknown sentinel, what the readers make of it too.
    Unknowns stay the sentinel string; resource references become their id (analyzers get no references).
    """
    if isinstance(value, str):
        return _secret(PULUMI_UNKNOWN) if value == MASKED else value
    if isinstance(value, Mapping):
        signature = value.get(PULUMI_SIG_KEY)
        if signature == PULUMI_SECRET_SIG:
            if "value" in value:
                return _secret(wire_value(value["value"]))
            plaintext = value.get("plaintext")
            if isinstance(plaintext, str):
                try:
                    return _secret(wire_value(json.loads(plaintext)))
                except ValueError:
                    return _secret(plaintext)
            return _secret(PULUMI_UNKNOWN)
        if signature == PULUMI_OUTPUT_SIG:
            if "value" not in value:
                return PULUMI_UNKNOWN
            inner = wire_value(value["value"])
            return _secret(inner) if value.get("secret") is True else inner
        if signature == PULUMI_REF_SIG:
            return wire_value(value.get("id", value.get("urn")))
        # The engine marshals with SkipInternalKeys: `__defaults` and other `__` keys never reach a pack.
        return {
            key: wire_value(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.startswith("__"))
        }
    if isinstance(value, list):
        return [wire_value(item) for item in value]
    return value


def _secret(value: Any) -> dict[str, Any]:
    return {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "value": value}


def urn_type(urn: str) -> str:
    """`urn:pulumi:stack::proj::parent$type::name` -> `type`."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else urn


@dataclass(frozen=True, slots=True)
class WireProvider:
    urn: str
    type: str
    name: str
    properties: dict[str, Any]


@dataclass(slots=True)
class WireResource:
    """One resource as the engine describes it to an analyzer (camelCase inputs, wire markers)."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    protect: bool = False
    parent: str = ""
    provider: WireProvider | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


def _states(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The states the engine would analyze, in registration order, from a preview or an export."""
    if "steps" in document:
        states: dict[str, Mapping[str, Any]] = {}
        for step in document.get("steps") or []:
            new = step.get("newState")
            if step.get("op") in ANALYZED_OPS and isinstance(new, Mapping) and new.get("urn"):
                states.setdefault(str(new["urn"]), new)
        return list(states.values())
    deployment = document.get("deployment") or {}
    return [
        state
        for state in deployment.get("resources") or []
        if not state.get("delete") and not state.get("external") and state.get("urn")
    ]


def _config_inputs(package: str, config: Mapping[str, Any]) -> dict[str, Any]:
    prefix = f"{package}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def wire_resources(document: Mapping[str, Any]) -> list[WireResource]:
    """What the engine sends for each resource of a `pulumi preview --json` or `pulumi stack export`."""
    states = _states(document)
    by_urn = {str(state["urn"]): state for state in states}
    config = document.get("config") or {}
    resources = []
    for state in states:
        urn = str(state["urn"])
        provider = None
        reference = state.get("provider") or ""
        if reference:
            provider_urn = reference.rsplit("::", 1)[0]
            provider_state = by_urn.get(provider_urn)
            provider_type = urn_type(provider_urn)
            if provider_state is not None:
                provider_inputs = dict(provider_state.get("inputs") or {})
            else:
                # A preview without --show-sames leaves unchanged providers out; the engine still sends
                # theirs. A default provider's inputs are the stack config of its package.
                provider_inputs = _config_inputs(provider_type.removeprefix("pulumi:providers:"), config)
            provider = WireProvider(
                urn=provider_urn,
                type=provider_type,
                name=urn_name(provider_urn),
                properties=wire_value(provider_inputs),
            )
        outputs = state.get("outputs")
        resources.append(
            WireResource(
                urn=urn,
                type=str(state.get("type") or urn_type(urn)),
                name=urn_name(urn),
                inputs=wire_value(dict(state.get("inputs") or {})),
                outputs=wire_value(dict(outputs if outputs is not None else state.get("inputs") or {})),
                protect=bool(state.get("protect")),
                parent=str(state.get("parent") or ""),
                provider=provider,
                dependencies=[str(d) for d in state.get("dependencies") or []],
                # Pulumi writes `null` for an input that depends on nothing (`{"name": null}`).
                property_dependencies={
                    str(k): [str(u) for u in v or ()]
                    for k, v in (state.get("propertyDependencies") or {}).items()
                },
            )
        )
    return resources


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Diagnostic:
    policy: str
    urn: str
    """The resource the engine attributes it to; empty for stack-wide diagnostics."""
    enforcement: str
    message: str
    severity: str


Verdict = tuple[str, str, str]
"""(policy id, resource URN or "" for stack-wide, outcome: mandatory | advisory | waived)."""


def pack_verdicts(diagnostics: Iterable[Diagnostic], exclude: Iterable[str] = ()) -> set[Verdict]:
    from .crossguard import waived_policy_of

    excluded = set(exclude)
    verdicts = set()
    for diagnostic in diagnostics:
        if diagnostic.urn in excluded:
            continue
        if diagnostic.policy == WAIVED_FINDING_ID:
            verdicts.add((waived_policy_of(diagnostic.message), diagnostic.urn, "waived"))
        else:
            verdicts.add((diagnostic.policy, diagnostic.urn, diagnostic.enforcement))
    return verdicts


def protocol_blind(evaluation: Evaluation) -> set[str]:
    """Resources whose verdicts may rest on what the Analyzer protocol does not carry to a pack.

    An AnalyzeRequest has no operation (a replacement looks like any new state) and no `retainOnDelete`;
    deletions are never analyzed at all. Policies about them hold in `souverain check` only.
    """
    return {
        resource.address
        for resource in evaluation.resources
        if resource.retain_on_delete or resource.operation is Operation.REPLACE
    }


def check_verdicts(
    evaluation: Evaluation, analyzed: Iterable[str], exclude: Iterable[str] = ()
) -> set[Verdict]:
    """`souverain check`'s verdicts on what the engine analyzes: deleted or read resources never reach a
    pack; findings on the stack or the waivers file are stack-wide (empty URN) in a pack. The reminders
    about waivers to review (unused, expiring soon) are `souverain check`'s alone (docs/waivers.md)."""
    from .engine import WAIVER_REVIEW_POLICY_IDS

    analyzed = set(analyzed) - set(exclude)
    addresses = {resource.address for resource in evaluation.resources}
    verdicts = set()
    for finding in evaluation.findings:
        if finding.policy in WAIVER_REVIEW_POLICY_IDS:
            continue
        if finding.resource in analyzed:
            urn = finding.resource
        elif finding.resource in addresses:
            continue
        else:
            urn = ""
        outcome = "waived" if finding.waived else finding.enforcement.value
        verdicts.add((finding.policy, urn, outcome))
    return verdicts


# --- the pack process --------------------------------------------------------------------------------------


def _struct(data: Mapping[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(dict(data))
    return struct


def reconcile_config(
    policies: Sequence[Any], given: Mapping[str, Any] | None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """The config the CLI sends: schema defaults, then `all`'s level, then each key (as `applyConfig`)."""
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    from google.protobuf import json_format

    for info in policies:
        schema = (
            json_format.MessageToDict(info.configSchema.properties) if info.HasField("configSchema") else {}
        )
        defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, Mapping) and "default" in v}
        result[info.name] = (_level_of(info.enforcementLevel), defaults)
    parsed: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, value in (given or {}).items():
        if isinstance(value, str):
            parsed[key] = (_checked_level(key, value), {})
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            parsed[key] = (_checked_level(key, level) if level else "", props)
        else:
            raise HarnessError(f"parsing {key!r}: must be a string or object")
    if "all" in parsed and parsed["all"][0]:
        result = {name: (parsed["all"][0], props) for name, (_, props) in result.items()}
    for key, (level, props) in parsed.items():
        old_level, old_props = result.get(key, ("", {}))
        result[key] = (level or old_level, {**old_props, **props})
    for key, (level, _) in result.items():
        if level not in LEVELS:
            raise HarnessError(f"invalid enforcement level {level!r} for {key!r}")
    return result


def _checked_level(key: str, level: Any) -> str:
    if level not in LEVELS:
        raise HarnessError(
            f"parsing enforcement level for {key!r}: {level!r} is not a valid enforcement level"
        )
    return str(level)


def _level_of(value: int) -> str:
    from pulumi.runtime import proto

    names: dict[int, str] = {
        int(proto.ADVISORY): "advisory",
        int(proto.MANDATORY): "mandatory",
        int(proto.REMEDIATE): "remediate",
    }
    return names.get(int(value), "disabled")


def _severity_of(value: int) -> str:
    from pulumi.runtime import proto

    names: dict[int, str] = {
        int(proto.POLICY_SEVERITY_LOW): "low",
        int(proto.POLICY_SEVERITY_MEDIUM): "medium",
        int(proto.POLICY_SEVERITY_HIGH): "high",
        int(proto.POLICY_SEVERITY_CRITICAL): "critical",
    }
    return names.get(int(value), "")


class PackProcess:
    """A running policy pack and a client for it. Use as a context manager: the process never outlives it."""

    def __init__(
        self,
        pack_dir: str | Path = PACK_DIR,
        *,
        env: Mapping[str, str] | None = None,
        stack: str = "dev",
        project: str = "proj",
        python: str = sys.executable,
        startup_timeout: float = 60.0,
        call_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = Path(pack_dir)
        self.stack = stack
        self.project = project
        self.python = python
        self.startup_timeout = startup_timeout
        self.call_timeout = call_timeout
        # As the CLI's constructEnv: its own environment plus the stack's identity.
        self.env = {
            **os.environ,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: Any = None
        self.stub: Any = None
        self.port: int | None = None

    def __enter__(self) -> PackProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", DUMMY_ENGINE, "."],
            cwd=self.pack_dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            self.port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
            grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        except BaseException:
            self.close()
            raise

    def _read_port(self) -> int:
        assert self.process is not None
        assert self.process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self.process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            raise HarnessError(
                f"the pack printed no port in {self.startup_timeout:.0f}s{self._stderr_tail()}"
            ) from None
        try:
            return int(line.strip())
        except ValueError:
            raise HarnessError(f"the pack printed {line[:200]!r}, not a port{self._stderr_tail()}") from None

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        if self.process is not None:
            try:
                self.process.wait(timeout=5)  # it closed stdout: let it finish writing its error
            except subprocess.TimeoutExpired:
                return ""
        self._stderr.seek(0)
        tail = self._stderr.read()[-4000:].decode("utf-8", "replace")
        return f"; stderr:\n{tail}" if tail else ""

    def stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()  # the SDK's server loop ends on SIGTERM's default action
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # --- the Analyzer protocol

    def handshake(self) -> bool:
        """Handshake as the CLI does; False when the pack does not implement it (the CLI then goes on)."""
        import grpc
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=DUMMY_ENGINE,
            root_directory=str(self.pack_dir),
            program_directory=str(self.pack_dir),
        )
        try:
            self.stub.Handshake(request, timeout=self.call_timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
            raise
        return True

    def configure_stack(self, tags: Mapping[str, str] | None = None) -> None:
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack, project=self.project, organization="organization", dry_run=True, tags=tags or {}
        )
        self.stub.ConfigureStack(request, timeout=self.call_timeout)

    def info(self) -> Any:
        from google.protobuf import empty_pb2

        return self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self.call_timeout)

    def configure(self, given: Mapping[str, Any] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
        """Send the config as the CLI would after `--policy-pack-config` (`given`, same JSON shape)."""
        from pulumi.runtime.proto import analyzer_pb2

        reconciled = reconcile_config(self.info().policies, given)
        levels = {
            "advisory": analyzer_pb2.ADVISORY,
            "mandatory": analyzer_pb2.MANDATORY,
            "remediate": analyzer_pb2.REMEDIATE,
            "disabled": analyzer_pb2.DISABLED,
        }
        request = analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(enforcementLevel=levels[level], properties=_struct(props))
                for name, (level, props) in reconciled.items()
            }
        )
        self.stub.Configure(request, timeout=self.call_timeout)
        return reconciled

    def analyze(self, resource: WireResource) -> list[Diagnostic]:
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=_struct(resource.inputs),
            urn=resource.urn,
            name=resource.name,
            options=_options(resource),
            provider=_provider(resource.provider),
        )
        response = self.stub.Analyze(request, timeout=self.call_timeout)
        # The engine attributes every Analyze diagnostic to the analyzed resource.
        return [_diagnostic(d, resource.urn) for d in response.diagnostics]

    def analyze_stack(self, resources: Sequence[WireResource]) -> list[Diagnostic]:
        from pulumi.runtime.proto import analyzer_pb2

        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=resource.type,
                    properties=_struct(resource.outputs),
                    urn=resource.urn,
                    name=resource.name,
                    options=_options(resource),
                    provider=_provider(resource.provider),
                    parent=resource.parent,
                    dependencies=resource.dependencies,
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in resource.property_dependencies.items()
                    },
                )
                for resource in resources
            ]
        )
        response = self.stub.AnalyzeStack(request, timeout=self.call_timeout)
        return [_diagnostic(d, d.urn) for d in response.diagnostics]

    def run(
        self, resources: Sequence[WireResource], config: Mapping[str, Any] | None = None
    ) -> list[Diagnostic]:
        """A whole `pulumi preview --policy-pack`: handshake, configure, Analyze each, AnalyzeStack."""
        self.handshake()
        self.configure_stack()
        self.configure(config)
        diagnostics: list[Diagnostic] = []
        for resource in resources:
            diagnostics.extend(self.analyze(resource))
        diagnostics.extend(self.analyze_stack(resources))
        return diagnostics


def _options(resource: WireResource) -> Any:
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        parent=resource.parent,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
    )


def _provider(provider: WireProvider | None) -> Any:
    if provider is None:
        return None
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=_struct(provider.properties), urn=provider.urn, name=provider.name
    )


def _diagnostic(message: Any, urn: str) -> Diagnostic:
    return Diagnostic(
        policy=message.policyName,
        urn=urn,
        enforcement=_level_of(message.enforcementLevel),
        message=message.message,
        severity=_severity_of(message.severity),
    )


def run_pack(
    document: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stack: str = "dev",
    pack_dir: str | Path = PACK_DIR,
) -> tuple[list[Diagnostic], list[str]]:
    """Run the pack over a Pulumi JSON document; the diagnostics and the URNs the engine analyzed."""
    resources = wire_resources(document)
    with PackProcess(pack_dir, env=env, stack=stack) as pack:
        return pack.run(resources, config), [resource.urn for resource in resources]
