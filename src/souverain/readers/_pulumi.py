"""What the two Pulumi readers share: URNs, resource states (`apitype.ResourceV3`) and provider resolution.

A `pulumi preview --json` step and a `pulumi stack export` resource carry the same resource state shape
(`urn`, `custom`, `type`, `inputs`, `outputs`, `parent`, `protect`, `retainOnDelete`, `dependencies`,
`provider`...). Providers are resources too (`pulumi:providers:<package>`); a resource names its provider
by reference, `<provider URN>::<provider id>`, and its effective region falls back to that provider's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec

from ..model import Operation, ProviderConfig, Resource, SourceLocation, snake_case
from ._common import (
    IS_STR,
    expect_mapping,
    expect_str,
    fail,
    finish,
    object_properties,
    optional_bool,
    optional_str,
    pulumi_package,
    pulumi_value,
    region_value,
    str_tuple,
)
from ._json import MSGSPEC_REFUSALS, RAW_NULL, DeclinedError, built, starts_object_or_null

URN_PREFIX = "urn:pulumi:"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
DEFAULT_PROVIDER_NAME = re.compile(r"default(_\d.*)?")
"""Default providers are `default`, or `default_<version>` (`default_5_5_3`) when a version is pinned."""


class Urn(NamedTuple):
    """`urn:pulumi:<stack>::<project>::<parent types$><type>::<name>` (a tuple: one is built per resource)."""

    stack: str
    project: str
    type: str
    name: str


def parse_urn(value: Any, file: str, field: str) -> Urn:
    text = expect_str(value, file, field)
    parts = text[len(URN_PREFIX) :].split("::", 3) if text.startswith(URN_PREFIX) else []
    if len(parts) != 4 or not all(parts[:3]):
        shown = text if len(text) <= 120 else text[:117] + "..."
        fail(file, field, f"is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>): {shown!r}")
    stack, project, qualified_type, name = parts
    # Children's URNs carry their parents' types first: `my:app:Web$openstack:compute/instance:Instance`.
    return Urn(stack, project, qualified_type.rsplit("$", 1)[-1], name)


def provider_urn(reference: str) -> str:
    """The provider URN in a provider reference `<urn>::<id>` (the id is the unknown sentinel in previews)."""
    urn, sep, _id = reference.rpartition("::")
    return urn if sep and urn.count("::") >= 3 else reference


@dataclass(slots=True)
class PendingResource:
    """A resource read from the document whose provider is resolved once every provider is known."""

    resource: Resource
    provider_ref: str | None


_EMPTY_OBJECT = re.compile(rb"\{\s*\}")


class TypedState(msgspec.Struct):
    """A resource state (`apitype.ResourceV3`) as the typed paths read it: the fields a reader reads, of any
    JSON type (the reader checks them), and `outputs` undecoded: built only when `inputs` is empty."""

    urn: Any = None
    delete: Any = None
    type: Any = None
    inputs: Any = None
    outputs: msgspec.Raw = RAW_NULL
    parent: Any = None
    dependencies: Any = None
    protect: Any = None
    retainOnDelete: Any = None  # noqa: N815 (the document's spelling)
    custom: Any = None
    provider: Any = None
    taint: Any = None
    sourcePosition: Any = None  # noqa: N815
    stackTrace: msgspec.Raw = RAW_NULL  # noqa: N815 - left undecoded unless sourcePosition is not the user's


_TYPED_STATE = msgspec.json.Decoder(TypedState)


def typed_outputs(state: TypedState) -> Any:
    """A typed state's `outputs` as `resource_from_state` reads them: beside non-empty inputs only checked to
    be an object or null (all it asks of them then), so `{}` stands for an object. Raises DeclinedError."""
    inputs = state.inputs
    if inputs and type(inputs) is dict and starts_object_or_null(state.outputs):
        return {}
    return built(state.outputs)


def generic_state(state: Mapping[str, Any]) -> tuple[TypedState, Any]:
    """A state object of a document decoded whole, in the typed paths' shape, and its outputs."""
    get: Callable[[str], Any] = state.get
    typed = TypedState(
        urn=get("urn"),
        delete=get("delete"),
        type=get("type"),
        inputs=get("inputs"),
        parent=get("parent"),
        dependencies=get("dependencies"),
        protect=get("protect"),
        retainOnDelete=get("retainOnDelete"),
        custom=get("custom"),
        provider=get("provider"),
        taint=get("taint"),
        sourcePosition=get("sourcePosition"),
        stackTrace=_raw(get("stackTrace")),
    )
    return typed, get("outputs")


def _raw(value: Any) -> msgspec.Raw:
    """A value of a document decoded whole, back in the undecoded form the typed paths keep."""
    if value is None:
        return RAW_NULL
    try:
        return msgspec.Raw(msgspec.json.encode(value))
    except (TypeError, msgspec.EncodeError):
        return RAW_NULL


_POSITION = re.compile(r"project://(/[^#]*)#(\d+)(?:,(\d+))?")
"""How the engine writes a source position in state: `project:///index.ts#17,20` (path from the project
root, line, column); positions outside the project are `file://` URIs, never the user's program."""
_INSTALLED = frozenset({"node_modules", "site-packages", "dist-packages", ".venv", "venv"})


class _Frame(msgspec.Struct):
    sourcePosition: Any = None  # noqa: N815


_FRAMES = msgspec.json.Decoder(list[_Frame])


def _user_position(position: Any) -> SourceLocation | None:
    if type(position) is not str:
        return None
    match = _POSITION.fullmatch(position)
    if match is None:
        return None
    parts = [part for part in match.group(1).split("/") if part and part != "."]
    if not parts or ".." in parts or _INSTALLED & set(parts):
        return None  # outside the project (Pulumi YAML's own Go code is `project:///../../..run.go`)
    path = "/".join(parts)
    return SourceLocation(path, int(match.group(2)), int(match.group(3)) if match.group(3) else None)


def state_location(position: Any, trace: msgspec.Raw) -> SourceLocation | None:
    """Where the user's program declared a resource, from a state's `sourcePosition` and `stackTrace`.

    `sourcePosition` is the caller of the resource's constructor: for a resource a component creates,
    the component's code, often installed. The stack trace's frames go down to the user's program: the
    first frame in the project outside installed packages is the user's line. Anything unreadable is no
    location, never an error: locations help reviewers, they decide nothing.
    """
    found = _user_position(position)
    if found is not None or trace is None or trace is RAW_NULL:
        return found
    frames: Any = trace
    if type(trace) is msgspec.Raw:
        try:
            frames = _FRAMES.decode(trace)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
    if type(frames) is not list:
        return None
    for frame in frames:
        where = (
            frame.sourcePosition
            if type(frame) is _Frame
            else (frame.get("sourcePosition") if isinstance(frame, Mapping) else None)
        )
        found = _user_position(where)
        if found is not None:
            return found
    return None


class RawState:
    """A non-empty state object left undecoded until the reader reads it (a preview step has two states and
    is read from one), then decoded into `TypedState` in one C-level call."""

    __slots__ = ("_raw",)

    def __init__(self, raw: msgspec.Raw) -> None:
        self._raw = raw

    def decoded(self) -> tuple[TypedState, Any]:
        """The state and its outputs (`typed_outputs`). Raises DeclinedError when msgspec refuses it: the
        reader then starts over generically."""
        try:
            state = _TYPED_STATE.decode(self._raw)
        except MSGSPEC_REFUSALS:
            raise DeclinedError from None
        return state, typed_outputs(state)


def undecoded_state(raw: msgspec.Raw) -> Any:
    """What the generic reader would get for a state left undecoded: None for null, an empty dict for `{}`,
    a `RawState` for any other object, and the value itself (for the reader to refuse) for anything else."""
    head = bytes(memoryview(raw)[:64])
    first = head[:1]
    if first == b"n":
        return None
    if first == b"{":
        # The first character after JSON whitespace tells an empty object without copying the whole state;
        # the regex is for a run of whitespace longer than `head`.
        inside = head[1:].lstrip(b" \t\r\n")
        empty = inside[:1] == b"}" if inside else _EMPTY_OBJECT.fullmatch(bytes(raw)) is not None
        return {} if empty else RawState(raw)
    return built(raw)


def resource_from_state(
    state: TypedState,
    outputs: Any,
    urn: Urn,
    address: str,
    file: str,
    field: str,
    operation: Operation,
    source: str,
) -> PendingResource:
    """A Resource from an `apitype.ResourceV3` object (`TypedState`, or `generic_state`'s); properties are
    the inputs, else the outputs.

    Each field is type-checked inline; the `expect_*` helpers (and the field path) are only reached
    when it has an unusual value, to report it or to read null and "" as unset.
    """
    type_token = state.type
    if type(type_token) is not str or not type_token:
        type_token = optional_str(type_token, file, f"{field}.type") or urn.type
    inputs = state.inputs
    if type(inputs) is not dict:
        inputs = expect_mapping(inputs, file, f"{field}.inputs")
    if type(outputs) is not dict:
        outputs = expect_mapping(outputs, file, f"{field}.outputs")
    try:
        properties = pulumi_value(inputs or outputs)
    except RecursionError:
        fail(file, f"{field}.inputs", "nested too deeply to check safely")
    parent = state.parent
    if type(parent) is not str or not parent:
        parent = optional_str(parent, file, f"{field}.parent")
    dependencies = state.dependencies
    if type(dependencies) is list and all(map(IS_STR, dependencies)):
        dependencies = tuple(dependencies)
    else:
        dependencies = str_tuple(dependencies, file, f"{field}.dependencies")
    protect = state.protect
    if type(protect) is not bool:
        protect = optional_bool(protect, file, f"{field}.protect")
    retain_on_delete = state.retainOnDelete
    if type(retain_on_delete) is not bool:
        retain_on_delete = optional_bool(retain_on_delete, file, f"{field}.retainOnDelete")
    custom = state.custom
    if type(custom) is not bool:
        custom = optional_bool(custom, file, f"{field}.custom", default=True)
    resource = Resource(
        address=address,
        type=type_token,
        name=urn.name,
        package=pulumi_package(type_token),
        properties=properties
        if type(properties) is dict
        else object_properties(
            properties,
            file,
            f"{field}.inputs" if inputs else f"{field}.outputs",
            "the unknown sentinel of a preview, which Pulumi writes for values, not for a resource's inputs",
        ),
        parent=parent,
        dependencies=dependencies,
        protect=protect,
        retain_on_delete=retain_on_delete,
        operation=operation,
        custom=custom,
        is_provider=type_token.startswith(PROVIDER_TYPE_PREFIX),
        source=source,
    )
    if state.sourcePosition is not None or state.stackTrace is not RAW_NULL:
        resource.location = state_location(state.sourcePosition, state.stackTrace)
    provider_ref = state.provider
    if type(provider_ref) is not str or not provider_ref:
        provider_ref = optional_str(provider_ref, file, f"{field}.provider")
    return PendingResource(resource, provider_ref)


def config_provider(package: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A default provider's configuration as it reads it: the stack config keys `<package>:<key>`."""
    prefix = f"{package}:"
    return {snake_case(key[len(prefix) :]): value for key, value in config.items() if key.startswith(prefix)}


def resolve_providers(pending: list[PendingResource], config: Mapping[str, Any]) -> list[Resource]:
    """Attach each resource's provider configuration, then finish it (kind, effective region, tags).

    The provider is the `pulumi:providers:*` resource its reference names. A default provider
    (`default`, `default_5_5_3`) that the document does not show (a preview without `--show-sames` leaves
    out unchanged resources) reads the stack config, so the preview's `config` stands in for it. An
    explicit provider that the document does not show leaves the region not known (None): fail closed.
    """
    providers: dict[str, Resource] = {
        p.resource.address: p.resource for p in pending if p.resource.is_provider
    }
    defaults: dict[str, Resource] = {}
    for provider in providers.values():
        if DEFAULT_PROVIDER_NAME.fullmatch(provider.name):
            defaults.setdefault(pulumi_package(provider.type), provider)
    cache: dict[str, ProviderConfig] = {}
    by_reference: dict[tuple[str | None, str], ProviderConfig] = {}
    resources: list[Resource] = []
    for item in pending:
        resource = item.resource
        if resource.custom and not resource.is_provider:
            # Resources of a package that name the same provider share its configuration.
            key = (item.provider_ref, resource.package)
            resolved = by_reference.get(key)
            if resolved is None:
                resolved = by_reference[key] = _provider_for(item, providers, defaults, config, cache)
            resource.provider = resolved
        resources.append(finish(resource))
    return resources


def _provider_for(
    item: PendingResource,
    providers: Mapping[str, Resource],
    defaults: Mapping[str, Resource],
    config: Mapping[str, Any],
    cache: dict[str, ProviderConfig],
) -> ProviderConfig:
    reference = item.provider_ref
    package = item.resource.package
    if reference is None:
        # Only old (v1) states lack provider references: such resources use the package's default provider.
        default = defaults.get(package)
        urn = default.address if default is not None else f"{package}::default"
    else:
        urn = provider_urn(reference)
        parts = urn.split("::", 3)
        if len(parts) == 4 and parts[2].startswith(PROVIDER_TYPE_PREFIX):
            package = pulumi_package(parts[2])
    cached = cache.get(urn)
    if cached is not None:
        return cached
    provider = providers.get(urn)
    if provider is not None:
        props = provider.properties
        config_ = ProviderConfig(package, urn, region_value(props.get("region")), props)
    elif DEFAULT_PROVIDER_NAME.fullmatch(urn.rsplit("::", 1)[-1]):
        props = config_provider(package, config)
        config_ = ProviderConfig(package, urn, region_value(props.get("region")), props)
    else:
        config_ = ProviderConfig(package, urn, None, {}, shown=False)
    cache[urn] = config_
    return config_


def stack_and_project(urns: list[Urn]) -> tuple[str | None, str | None]:
    if not urns:
        return None, None
    return urns[0].stack, urns[0].project
