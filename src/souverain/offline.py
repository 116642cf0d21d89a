"""Run a Pulumi program offline, under Pulumi's own mock runtime, and read what it registers.

No Pulumi CLI, no provider plugin, no cloud: the Python SDK talks to an in-process mock monitor instead
of the engine. The monitor here records every `RegisterResourceRequest` whole, because `Mocks.new_resource`
never sees a resource's parent, protect, retain-on-delete or dependencies. The recorded inputs are the
request's `object` exactly as it went over the wire (camelCase names, secret envelopes, the unknown
sentinel in preview), normalized like the Pulumi readers do, so policies see an offline run the same way
they see a `pulumi preview --json`.

Pulumi's Python runtime keeps its state in module globals and context variables, and was written for one
program per process. To run many programs in one process (one per test, one per stack), each run:

- runs on a thread of its own, in a fresh `contextvars.Context`, so the root `Stack` resource
  (`settings.ROOT`) and the config (`runtime.config.CONFIG`, its secret keys) start empty and never
  reach the caller's context;
- builds a complete `runtime.settings.Settings` inside that context. Every field is set again (RPC
  manager, pending outputs, lock, monitor, engine, project, stack, dry-run, features, package refs,
  callbacks): Pulumi's `ContextProperty` falls back to the *last value ever set* when a context has none,
  so a field left unset would silently reuse the previous run's monitor or RPC queue;
- sets the config with `runtime.set_all_config` (the given keys and nothing else), and hides the
  `PULUMI_CONFIG*` environment variables for the duration of the run, because Pulumi falls back to them
  for keys the config lacks, and a developer's shell must not change what a check sees;
- uses a new event loop (current on that thread only, so a caller's loop is untouched), waits for every
  outstanding RPC and output (`run_in_stack` ends with `wait_for_rpcs`), then shuts its thread pool
  down and closes it.

An exception raised by the program (a pydantic `ValidationError` from a component's arguments, for one)
is re-raised unchanged, after the runtime has settled, so callers can map it to a clear input error.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from google.protobuf import json_format
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.stack import run_in_stack

from .model import UNKNOWN, Operation, Plan, ProviderConfig, Resource, Secret, SourceLocation, snake_case
from .readers._common import finish, pulumi_package, pulumi_value

SOURCE = "pulumi-mock"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"

InvokeHandler = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""Answers one invoke (data-source call): takes its arguments (camelCase, as sent), returns its result."""

_logger = logging.getLogger(__name__)


class UnknownInvokeError(LookupError):
    """The program called an invoke that the offline run has no answer for."""


def _get_network(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """`openstack.networking.get_network`: the named network exists, with a deterministic id."""
    name = args.get("name") or args.get("networkId") or "network"
    return {
        "id": args.get("networkId") or f"{name}_id",
        "name": name,
        "external": bool(args.get("external", False)),
        "region": args.get("region", ""),
        "subnets": [],
        "allTags": [],
    }


DEFAULT_INVOKES: Mapping[str, InvokeHandler] = {
    "openstack:networking/getNetwork:getNetwork": _get_network,
}
"""Invokes answered unless the caller overrides them: the external-network lookup of gateways."""


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def _private_ip(*parts: str) -> str:
    digest = _digest(*parts)
    return str(ipaddress.IPv4Address(bytes([10, digest[0], digest[1], digest[2] % 253 + 1])))


def _public_ip(*parts: str) -> str:
    """An address in TEST-NET-3 (RFC 5737): obviously fake, never routable."""
    return f"203.0.113.{_digest(*parts)[0] % 253 + 1}"


def _computed_outputs(typ: str, name: str, rid: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the provider would compute on create, for the types whose computed outputs programs read."""
    if typ == "openstack:compute/instance:Instance":
        networks = inputs.get("networks") or []
        first = networks[0] if networks and isinstance(networks[0], Mapping) else {}
        address = first.get("fixedIpV4") or _private_ip(typ, name)
        return {
            "accessIpV4": inputs.get("accessIpV4") or address,
            "allMetadata": inputs.get("metadata", {}),
            "allTags": inputs.get("tags", []),
        }
    if typ == "openstack:networking/floatingIp:FloatingIp":
        return {"address": inputs.get("address") or _public_ip(typ, name)}
    if typ == "openstack:networking/port:Port":
        fixed = inputs.get("fixedIps") or []
        given = [ip.get("ipAddress") for ip in fixed if isinstance(ip, Mapping) and ip.get("ipAddress")]
        mac = _digest(typ, name)[:3].hex(":")
        return {"allFixedIps": given or [_private_ip(typ, name)], "macAddress": f"fa:16:3e:{mac}"}
    if typ == "openstack:compute/keypair:Keypair":
        return {"fingerprint": _digest(typ, name)[:16].hex(":")}
    if typ == "openstack:keymanager/secretV1:SecretV1":
        return {"secretRef": f"https://key-manager.invalid/v1/secrets/{rid}"}
    if typ == "openstack:keymanager/containerV1:ContainerV1":
        return {"containerRef": f"https://key-manager.invalid/v1/containers/{rid}"}
    if typ == "openstack:keymanager/orderV1:OrderV1":
        return {
            "orderRef": f"https://key-manager.invalid/v1/orders/{rid}",
            "secretRef": f"https://key-manager.invalid/v1/secrets/{rid}-secret",
        }
    if typ == "openstack:loadbalancer/loadBalancer:LoadBalancer":
        return {
            "vipPortId": f"{rid}-vip-port",
            "vipAddress": inputs.get("vipAddress") or _private_ip(typ, name),
        }
    if typ == "openstack:compute/volumeAttach:VolumeAttach":
        return {"device": inputs.get("device") or "/dev/vdb"}
    return {}


class OfflineMocks(pulumi_mocks.Mocks):
    """Deterministic ids (`<name>_id`), outputs = inputs plus what the provider would compute."""

    def __init__(self, invokes: Mapping[str, InvokeHandler]) -> None:
        self.invokes = dict(invokes)
        self._ids: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def _unique_id(self, typ: str, name: str) -> str:
        rid = f"{name}_id"
        with self._lock:
            owner = self._ids.get(rid)
            if owner is not None and owner != (typ, name):
                rid = f"{name}_{_digest(typ, name)[:4].hex()}_id"
            self._ids[rid] = (typ, name)
        return rid

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.custom is False and not args.typ.startswith(PROVIDER_PREFIX):
            return "", {}  # a component (reads pass custom=None: they are always custom)
        rid = args.resource_id or self._unique_id(args.typ, args.name)
        state = dict(args.inputs)
        state.update(_computed_outputs(args.typ, args.name, rid, args.inputs))
        return rid, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = self.invokes.get(args.token)
        if handler is None:
            known = ", ".join(sorted(self.invokes)) or "none"
            raise UnknownInvokeError(
                f"the offline run has no answer for invoke {args.token!r} (answered: {known}); "
                "pass an `invokes` handler for it"
            )
        return dict(handler(args.args)), []


@dataclass(frozen=True, slots=True)
class _Registration:
    """The fields of one Register/ReadResource request that the model keeps."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider_ref: str
    dependencies: tuple[str, ...]
    protect: bool
    retain_on_delete: bool
    inputs: dict[str, Any]
    operation: Operation
    location: SourceLocation | None = None


_THIRD_PARTY = frozenset({"site-packages", "dist-packages", ".venv", "venv", "node_modules"})
"""Folders of installed code: a frame there is a library's, never the line the user wrote."""


def _frame_path(uri: str) -> Path | None:
    """The file of a `file://` source position (what Pulumi's Python SDK sends), else None."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or not parts.path:
        return None
    return Path(unquote(parts.path))


def user_location(request: Any, root: Path | None) -> SourceLocation | None:
    """The line of the user's program that declared a resource.

    Pulumi's SDK sends `sourcePosition`, the caller of the resource's constructor, and `stackTrace`,
    every frame below it. For a resource a component creates, the caller is the component's code; the
    user's line is further down: the first frame in the project folder (`root`) that is not installed
    code. Without a root, `sourcePosition` as sent.
    """
    frames = [frame.pc for frame in request.stackTrace.frames if frame.HasField("pc")]
    if request.HasField("sourcePosition"):
        frames.insert(0, request.sourcePosition)
    for position in frames:
        path = _frame_path(position.uri)
        if path is None or position.line <= 0:
            continue
        if root is not None and (
            not path.is_relative_to(root) or _THIRD_PARTY & set(path.relative_to(root).parts)
        ):
            continue
        return SourceLocation(str(path), position.line, position.column or None)
    return None


def _integral(value: Any) -> Any:
    """Protobuf numbers are doubles; JSON as Pulumi writes it has `10`, not `10.0`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def _wire(struct: Any) -> dict[str, Any]:
    """A protobuf Struct as the JSON Pulumi writes: signature envelopes and unknown sentinels kept."""
    data = _integral(json_format.MessageToDict(struct, preserving_proto_field_name=True))
    return data if isinstance(data, dict) else {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Pulumi's mock monitor that also keeps every registration request and every component's outputs."""

    def __init__(self, mocks: pulumi_mocks.Mocks, source_root: Path | None = None) -> None:
        super().__init__(mocks)
        self.source_root = source_root
        self._lock = threading.Lock()
        self.registrations: list[_Registration] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        self.config_reads: set[str] = set()
        """Every config key the program asked for (`pulumi.Config().get...`), set or not."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN (`Deployment.generateURN`): the parent's full qualified type, not the stack's.

        Pulumi's mock keeps only the parent's last type and prefixes the root stack's; URNs in reports
        and waivers must be those that `pulumi preview` prints.
        """
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return (
            f"urn:pulumi:{pulumi_settings.get_stack()}::{pulumi_settings.get_project()}::{qualified}::{name}"
        )

    def _record(self, registration: _Registration) -> None:
        with self._lock:
            self.registrations.append(registration)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - Pulumi's gRPC method name
        self._record(
            _Registration(
                urn=self.make_urn(request.parent, request.type, request.name),
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider_ref=request.provider,
                dependencies=tuple(request.dependencies),
                protect=request.HasField("protect") and bool(request.protect),
                retain_on_delete=request.HasField("retainOnDelete") and bool(request.retainOnDelete),
                inputs=_wire(request.object),
                operation=Operation.CREATE,
                location=user_location(request, self.source_root),
            )
        )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - Pulumi's gRPC method name
        self._record(
            _Registration(
                urn=self.make_urn(request.parent, request.type, request.name),
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                provider_ref=request.provider,
                dependencies=tuple(request.dependencies),
                protect=False,
                retain_on_delete=False,
                inputs=_wire(request.properties),
                operation=Operation.READ,
                location=user_location(request, self.source_root),
            )
        )
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        # Pulumi's mock leaves the response id empty, which the SDK reads as "unknown" in preview; the
        # engine returns the id that was read, so a `Resource.get` id is known in a real preview.
        registered = self.resources.get(response.urn)
        if registered is not None and registered.id:
            response.id = registered.id
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - Pulumi's gRPC method name
        with self._lock:
            self.outputs[request.urn] = _wire(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


class RecordingEngine(pulumi_mocks.MockEngine):
    """Keeps the program's `pulumi.log` messages (warnings matter to a preview) besides logging them."""

    _SEVERITIES = {
        engine_pb2.DEBUG: "debug",
        engine_pb2.INFO: "info",
        engine_pb2.WARNING: "warning",
        engine_pb2.ERROR: "error",
    }

    def __init__(self) -> None:
        super().__init__(_logger)
        self.messages: list[tuple[str, str]] = []

    def Log(self, request: Any) -> None:  # noqa: N802 - Pulumi's gRPC method name
        if request.severity != engine_pb2.DEBUG:  # the SDK's own tracing is not the program's message
            self.messages.append((self._SEVERITIES.get(request.severity, "info"), request.message))
        super().Log(request)  # type: ignore[no-untyped-call]


@dataclass(slots=True)
class OfflineRun:
    """Everything an offline run produced."""

    plan: Plan
    outputs: dict[str, Any] = field(default_factory=dict)
    """The stack's exports, normalized (names as exported, secrets wrapped)."""
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each component's `register_outputs`, by URN."""
    messages: list[tuple[str, str]] = field(default_factory=list)
    """`(severity, message)` logged through `pulumi.log` at info level or above."""
    failure: BaseException | None = None
    """With `keep_partial`: what stopped the program; the plan then holds what it registered before."""
    config_reads: frozenset[str] = frozenset()
    """Every config key the program asked for, set or not: the keys it knows."""


def _provider_properties_from_config(
    package: str, config: Mapping[str, str], secret_keys: set[str]
) -> dict[str, Any]:
    """The default provider's configuration: the `<package>:<key>` config values, snake_cased."""
    props: dict[str, Any] = {}
    prefix = f"{package}:"
    for key, value in config.items():
        if key.startswith(prefix):
            name = snake_case(key.removeprefix(prefix))
            props[name] = Secret(value) if key in secret_keys else value
    return props


def default_provider_urn(stack: str, project: str, package: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{PROVIDER_PREFIX}{package}::default"


def _provider_config(resource: Resource) -> ProviderConfig:
    region = resource.properties.get("region")
    if isinstance(region, Secret):
        region = region.reveal()
    return ProviderConfig(
        package=resource.type.removeprefix(PROVIDER_PREFIX),
        address=resource.address,
        region=region if isinstance(region, str) or region is None or region is UNKNOWN else None,
        properties=resource.properties,
    )


def _tree_order(resources: list[Resource]) -> list[Resource]:
    """Parents before children; siblings providers first, then by type and name.

    Registration order depends on thread timing; a report must not.
    """
    known = {resource.address for resource in resources}
    children: dict[str | None, list[Resource]] = {}
    for resource in resources:
        parent = resource.parent if resource.parent in known else None
        children.setdefault(parent, []).append(resource)
    ordered: list[Resource] = []

    def key(resource: Resource) -> tuple[bool, bool, str, str]:
        return (resource.type != STACK_TYPE, not resource.is_provider, resource.type, resource.name)

    pending = sorted(children.get(None, []), key=key, reverse=True)
    while pending:
        resource = pending.pop()
        ordered.append(resource)
        pending.extend(sorted(children.get(resource.address, []), key=key, reverse=True))
    return ordered


def _build_plan(
    registrations: list[_Registration],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: set[str],
) -> Plan:
    resources: list[Resource] = []
    by_urn: dict[str, Resource] = {}
    for reg in registrations:
        is_provider = reg.type.startswith(PROVIDER_PREFIX)
        resource = Resource(
            address=reg.urn,
            type=reg.type,
            name=reg.name,
            package=pulumi_package(reg.type),
            properties=pulumi_value(reg.inputs),
            parent=reg.parent or None,
            dependencies=reg.dependencies,
            protect=reg.protect,
            retain_on_delete=reg.retain_on_delete,
            operation=reg.operation,
            custom=reg.custom or is_provider,
            is_provider=is_provider,
            source=SOURCE,
            location=reg.location,
        )
        resources.append(resource)
        by_urn[reg.urn] = resource

    providers: dict[str, ProviderConfig] = {
        r.address: _provider_config(r) for r in resources if r.is_provider
    }
    defaults: dict[str, Resource] = {}
    for reg, resource in zip(registrations, resources, strict=True):
        if not resource.custom or resource.is_provider:
            continue
        if reg.provider_ref:
            provider_urn = reg.provider_ref.rsplit("::", 1)[0]
            resource.provider = providers.get(provider_urn) or ProviderConfig(
                package=resource.package, address=provider_urn, shown=False
            )
            continue
        default = defaults.get(resource.package)
        if default is None:
            urn = default_provider_urn(stack, project, resource.package)
            default = Resource(
                address=urn,
                type=f"{PROVIDER_PREFIX}{resource.package}",
                name="default",
                package=resource.package,
                properties=_provider_properties_from_config(resource.package, config, secret_keys),
                operation=Operation.CREATE,
                custom=True,
                is_provider=True,
                source=SOURCE,
            )
            defaults[resource.package] = default
            providers[urn] = _provider_config(default)
        resource.provider = providers[default.address]

    # Default providers come first, as the engine registers them before the resources that use them.
    ordered = [*defaults.values(), *_tree_order(resources)]
    return Plan(
        resources=[finish(resource) for resource in ordered],
        source=SOURCE,
        stack=stack,
        project=project,
        config={key: Secret(value) if key in secret_keys else value for key, value in config.items()},
    )


class _ReadRecordingConfig(dict[str, Any]):
    """The runtime's config map, noting every key the program asks for: Pulumi's `get_config` asks the
    map whether it holds a key before anything else, whether the key is set or not."""

    def __init__(self, values: Mapping[str, Any], reads: set[str]) -> None:
        super().__init__(values)
        self.reads = reads

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.reads.add(key)
        return super().__contains__(key)


@contextmanager
def _without_pulumi_config_env() -> Iterator[None]:
    hidden = {key: value for key, value in os.environ.items() if key.startswith("PULUMI_CONFIG")}
    for key in hidden:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(hidden)


def _run_in_fresh_runtime(
    program: Callable[[], None],
    monitor: RecordingMonitor,
    engine: RecordingEngine,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: set[str],
    preview: bool,
    root_directory: str | None,
) -> None:
    """Runs inside a fresh `contextvars.Context` on its own thread: every Pulumi setting is set here."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        # Settings' constructor sets every context property, the fresh RPC manager and outputs included.
        pulumi_settings.Settings(
            project=project,
            stack=stack,
            monitor=monitor,
            engine=engine,
            dry_run=preview,
            organization="organization",
            root_directory=root_directory or os.getcwd(),
        )
        pulumi_settings.SETTINGS.monitor_features = set(
            monitor.GetDeploymentInfo(None).supportedFeatures  # type: ignore[no-untyped-call]
        )
        set_all_config(dict(config), sorted(secret_keys))
        runtime_config.CONFIG.set(_ReadRecordingConfig(config, monitor.config_reads))
        loop.run_until_complete(run_in_stack(program))
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _run_isolated(target: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Runs `target` on a new thread in an empty context; re-raises its exception here, unchanged.

    A thread of its own gives the run its own current event loop, so a caller's loop (pytest-asyncio,
    a notebook) is neither replaced nor closed.
    """
    failure: list[BaseException] = []

    def work() -> None:
        try:
            contextvars.Context().run(target, *args, **kwargs)
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="souverain-offline-run")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def run_program(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    invokes: Mapping[str, InvokeHandler] | None = None,
    preview: bool = True,
    root_directory: str | None = None,
    keep_partial: bool = False,
) -> OfflineRun:
    """Run `program` under the mock runtime; returns the plan, the stack's outputs and logged messages.

    `config` holds Pulumi config keys (`openstack:region`, `proj:tiers`) with string values as Pulumi
    passes them (objects JSON-encoded); `secret_keys` names those that are secrets. `invokes` adds to or
    overrides `DEFAULT_INVOKES`. `preview=True` runs as `pulumi preview` does (`pulumi.runtime.is_dry_run()`).
    An exception the program raises is re-raised, unless `keep_partial`: then the run holds it as
    `failure`, with the resources registered before it (a component that refused its arguments is
    reported beside what the rest of the program had declared).
    """
    secrets = set(secret_keys)
    unknown_secret_keys = secrets - set(config)
    if unknown_secret_keys:
        raise ValueError(f"secret keys not in config: {', '.join(sorted(unknown_secret_keys))}")
    mocks = OfflineMocks({**DEFAULT_INVOKES, **(invokes or {})})
    monitor = RecordingMonitor(mocks, Path(root_directory).resolve() if root_directory else None)
    engine = RecordingEngine()
    failure: BaseException | None = None
    with _without_pulumi_config_env():
        try:
            _run_isolated(
                _run_in_fresh_runtime,
                program,
                monitor,
                engine,
                project=project,
                stack=stack,
                config=config,
                secret_keys=secrets,
                preview=preview,
                root_directory=root_directory,
            )
        except Exception as exc:
            if not keep_partial:
                raise
            failure = exc
    plan = _build_plan(
        monitor.registrations, project=project, stack=stack, config=config, secret_keys=secrets
    )
    stack_urn = next((r.address for r in plan.resources if r.type == STACK_TYPE), None)
    outputs = {urn: pulumi_value(values, convert_keys=False) for urn, values in monitor.outputs.items()}
    stack_outputs = outputs.pop(stack_urn, {}) if stack_urn else {}
    return OfflineRun(
        plan, stack_outputs, outputs, list(engine.messages), failure, frozenset(monitor.config_reads)
    )


def run_offline(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    invokes: Mapping[str, InvokeHandler] | None = None,
    preview: bool = True,
) -> Plan:
    """The resources `program` registers, as the normalized model (source `pulumi-mock`).

    See `run_program` for the arguments.
    """
    return run_program(
        program,
        project=project,
        stack=stack,
        config=config,
        secret_keys=secret_keys,
        invokes=invokes,
        preview=preview,
    ).plan
