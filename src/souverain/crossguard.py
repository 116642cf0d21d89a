"""The souverain policies as a Pulumi CrossGuard policy pack, with verdicts made by the same engine.

The adapter only translates: `ResourceValidationArgs` become the normalized `Resource` through the readers'
normalizers (`pulumi_value`, `finish`), the config the Pulumi CLI sends becomes the `PolicyConfig` and
`Settings` that `souverain check` builds from `--policy-config`, and `souverain.engine.evaluate` decides.

What the SDK cannot express is bridged, and documented in docs/crossguard.md:
- A pulumi-policy `report_violation` always reports at the policy's own level. A verdict forced by a value
  unknown at preview is mandatory like any other (fail closed) unless the policy's `unknowns` property (or
  `SOUVERAIN_UNKNOWNS`) is `advisory`; then it goes out as the SDK's own advisory for unknowns
  (`UnknownValueError`).
- A waived finding is reported, not counted: the advisory `waived-finding` policy shows it at AnalyzeStack.
  Invalid waivers are the `waiver-invalid` policy's findings.
- Three SDK internals are wrapped, once, in the pack process only (`install_sdk_hooks`): Configure, to read
  every policy's config as the engine sends it (stack-wide settings come from several policies' config, as
  in `souverain check`); Analyze, to keep each resource's inputs, which stack policies judge as
  `souverain check` does (AnalyzeStack sends outputs, where a provider may keep only a digest of an input,
  such as `user_data`); and the property deserializer, so that secrets stay marked as secrets.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Policy as SdkPolicy
from pulumi_policy import Severity as SdkSeverity
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from .catalog import Catalog, load_catalog
from .engine import (
    UNKNOWN_MODES,
    UNKNOWNS_PROPERTY,
    Finding,
    PolicyConfig,
    UnknownMode,
    WaiverMatcher,
    evaluate,
    parse_policy_config,
    settings_from_config,
)
from .kinds import is_local_only_package, kind_of
from .model import Plan, Resource, Secret
from .policy import Enforcement, Policy, Settings
from .readers._common import pulumi_package, pulumi_value, recorded_secret
from .readers._pulumi import PROVIDER_TYPE_PREFIX, PendingResource, resolve_providers
from .waivers import (
    PSEUDO_POLICY_IDS,
    WAIVED_FINDING_ID,
    WAIVER_INVALID_ID,
    WAIVER_INVALID_SEVERITY,
    load_waivers,
)

PACK_NAME = "souverain"
SOURCE = "pulumi-policy-pack"
"""`Resource.source` of resources the pack builds."""
CONFIG_SOURCE = "policy pack config"
"""How errors name the config the Pulumi CLI sent (`--policy-pack-config` over the schema defaults)."""

ENV_CATALOG = "SOUVERAIN_CATALOG"
"""Catalog overlays for the pack, separated like PATH (`os.pathsep`); same as `souverain check --catalog`."""
ENV_REPLACE_CATALOG = "SOUVERAIN_REPLACE_CATALOG"
"""`1`/`true`: use only the overlays, not the shipped catalog (`--replace-catalog`)."""
ENV_WAIVERS = "SOUVERAIN_WAIVERS"
"""The waivers file, when the `waiver-invalid` policy's `waiversFile` property is not set."""
ENV_UNKNOWNS = "SOUVERAIN_UNKNOWNS"
"""`fail` (default) or `advisory`: the pack-wide `--unknowns`; a policy's `unknowns` property wins."""
ENV_CONFIG = "PULUMI_CONFIG"
"""The stack config, which the Pulumi CLI passes to every analyzer as JSON (`<package>:<key>` -> string)."""
WAIVERS_PROPERTY = "waiversFile"

UNKNOWNS_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": list(UNKNOWN_MODES),
    "description": (
        "What a violation forced by a value unknown at preview is: `fail` keeps the policy's enforcement "
        "level (fail closed), `advisory` reports it as advisory. Default: SOUVERAIN_UNKNOWNS, else fail."
    ),
}
WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": (
        "The reviewed waivers file (absolute, or relative to the policy pack folder). "
        "Default: SOUVERAIN_WAIVERS."
    ),
}

_SDK_SEVERITY = {
    "low": SdkSeverity.LOW,
    "medium": SdkSeverity.MEDIUM,
    "high": SdkSeverity.HIGH,
    "critical": SdkSeverity.CRITICAL,
}
_SDK_LEVEL = {
    Enforcement.ADVISORY: EnforcementLevel.ADVISORY,
    Enforcement.MANDATORY: EnforcementLevel.MANDATORY,
    Enforcement.DISABLED: EnforcementLevel.DISABLED,
}
_REQUIREMENT = re.compile(r"^(?P<name>\S+)(?:\s+(?P<version>v?\d[\w.]*))?\s*(?P<reference>.*)$")


# --- metadata ----------------------------------------------------------------------------------------------


def compliance_framework(requirements: Sequence[str]) -> PolicyComplianceFramework | None:
    """The SDK holds one framework per policy: the first requirement's, all of them in `specification`.

    `("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6", "HDS v2 (...)")` gives name `SecNumCloud`, version
    `3.2`, reference `§19.2, §19.6`, and the full list in the specification.
    """
    if not requirements:
        return None
    parsed = [_REQUIREMENT.match(requirement.strip()) for requirement in requirements]
    first = parsed[0]
    if first is None:
        return PolicyComplianceFramework(name=requirements[0], specification="; ".join(requirements))
    name = first.group("name")
    references = [
        match.group("reference")
        for match in parsed
        if match is not None and match.group("name") == name and match.group("reference")
    ]
    return PolicyComplianceFramework(
        name=name,
        version=first.group("version") or None,
        reference=", ".join(references) or None,
        specification="; ".join(requirements),
    )


def framework_tags(requirements: Sequence[str]) -> list[str]:
    names = {match.group("name").casefold() for r in requirements if (match := _REQUIREMENT.match(r.strip()))}
    return sorted(names | {"sovereignty"})


def config_schema(policy: Policy) -> PolicyConfigSchema:
    """The policy's own config properties, plus `unknowns`, which every policy understands."""
    return PolicyConfigSchema(properties={**dict(policy.config_schema), UNKNOWNS_PROPERTY: UNKNOWNS_SCHEMA})


# --- the normalized model from what the SDK hands over -----------------------------------------------------


def wire_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """SDK property values back in the engine's wire form: secret envelopes, unknown sentinels, assets.

    `serialize_properties` is the SDK's own inverse of its deserializer; it unwraps its proxies too.
    """
    wire = serialize_properties(props)
    return dict(wire) if isinstance(wire, Mapping) else {}


PROVIDER_ID = "pack"
"""The id part of the provider references the adapter builds (`<provider URN>::<id>`): the protocol sends a
provider's URN, not its id, and the readers' provider resolution reads only the URN."""


@dataclass(frozen=True, slots=True)
class SentResource:
    """One resource as an AnalyzeRequest or an AnalyzeStack resource describes it, properties in wire form."""

    type: str
    urn: str
    name: str
    properties: Mapping[str, Any]
    provider: PolicyProviderResource | None
    protect: bool = False
    parent: str | None = None
    dependencies: tuple[str, ...] = ()


def stack_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The stack config the Pulumi CLI hands every analyzer in `PULUMI_CONFIG` (a JSON object of strings).

    The CLI sends secrets decrypted and does not say which keys were secret, so every value is kept as a
    `Secret`: it is read (a region, an endpoint) but never printed, and a value the pack cannot know to be in
    clear is not reported as in clear. A value that is not JSON, or not an object, is no config.
    """
    raw = environ.get(ENV_CONFIG, "")
    try:
        decoded = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    if not isinstance(decoded, dict):
        return {}
    return {
        str(key): value if isinstance(value, Secret) else recorded_secret(value)
        for key, value in (
            (key, pulumi_value(value)) for key, value in decoded.items() if isinstance(value, str)
        )
    }


def normalized_resources(
    sent: Sequence[SentResource],
    *,
    config: Mapping[str, Any],
    custom_without_provider: Callable[[str], bool],
) -> list[Resource]:
    """The resources as the Pulumi readers build them, from what the Analyzer protocol carries.

    The protocol has no `custom` flag, no operation and no `retainOnDelete`. The engine gives every custom
    resource a provider and components none, so a resource with a provider is custom; one sent without a
    provider (`pulumi policy check` on a state whose reference does not resolve, an old state) is custom when
    `custom_without_provider(type)` says its type token names a package that manages resources, and then
    uses its package's default provider, configured by the stack config, as the readers resolve it.
    Operations stay `same` and `retain_on_delete` False (see docs/crossguard.md).
    """
    pending: list[PendingResource] = []
    providers: dict[str, PendingResource] = {}
    for item in sent:
        is_provider = item.type.startswith(PROVIDER_TYPE_PREFIX)
        custom = is_provider or item.provider is not None or custom_without_provider(item.type)
        resource = Resource(
            address=item.urn,
            type=item.type,
            name=item.name,
            package=pulumi_package(item.type),
            properties=pulumi_value(dict(item.properties)),
            parent=item.parent or None,
            dependencies=item.dependencies,
            protect=item.protect,
            custom=custom,
            is_provider=is_provider,
            source=SOURCE,
        )
        reference = None
        provider = item.provider
        if provider is not None:
            urn = (
                provider.urn or f"urn:pulumi:{PROVIDER_ID}::{PROVIDER_ID}::{provider.resource_type}::default"
            )
            reference = f"{urn}::{PROVIDER_ID}"
            if urn not in providers:
                providers[urn] = PendingResource(
                    Resource(
                        address=urn,
                        type=provider.resource_type,
                        name=provider.name or urn.rsplit("::", 1)[-1],
                        package=pulumi_package(provider.resource_type),
                        properties=pulumi_value(wire_properties(provider.props)),
                        is_provider=True,
                        source=SOURCE,
                    ),
                    None,
                )
        pending.append(PendingResource(resource, reference))
    sent_urns = {item.urn for item in sent}
    # A provider that is also one of the resources sent is that resource; the others only configure.
    extra = [entry for urn, entry in providers.items() if urn not in sent_urns]
    resolved = resolve_providers([*pending, *extra], config)
    return resolved[: len(pending)]


def normalized_resource(
    resource_type: str,
    props: Mapping[str, Any],
    urn: str,
    name: str,
    *,
    provider: PolicyProviderResource | None,
    protect: bool,
    parent: str | None,
    dependencies: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
    custom_without_provider: Callable[[str], bool] = lambda _type: False,
) -> Resource:
    """One resource as the Pulumi readers build it (`normalized_resources` of one), SDK property values."""
    sent = SentResource(
        resource_type,
        urn,
        name,
        wire_properties(props),
        provider,
        bool(protect),
        parent or None,
        tuple(dependencies),
    )
    return normalized_resources([sent], config=config or {}, custom_without_provider=custom_without_provider)[
        0
    ]


# --- one pack process --------------------------------------------------------------------------------------


def waived_message(finding: Finding) -> str:
    """What the `waived-finding` policy says: the waived policy's id first, then why it is accepted."""
    waiver = finding.waiver or {}
    ticket = f", {waiver['ticket']}" if waiver.get("ticket") else ""
    return (
        f"{finding.policy}: {finding.message} [waived until {waiver.get('expires')} by {waiver.get('owner')}"
        f"{ticket}: {waiver.get('justification')}]"
    )


def waived_policy_of(message: str) -> str:
    """The waived policy's id in a `waived-finding` diagnostic's message (the SDK prefixes a description)."""
    return message.rsplit("\n", 1)[-1].split(":", 1)[0]


@dataclass
class PackRuntime:
    """The state of one pack process: the config the engine sent, the catalog, waivers, waived findings."""

    policies: tuple[Policy, ...]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    configured: dict[str, dict[str, Any]] | None = None
    """Every policy's config from the last Configure call: enforcementLevel and properties."""
    waived: list[Finding] = field(default_factory=list)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each analyzed resource's inputs (wire form) by URN, from its AnalyzeRequest: AnalyzeStack sends
    outputs, where a provider may keep a digest of an input (`user_data`), and policies judge inputs."""
    _config: PolicyConfig | None = None
    _stack_config: dict[str, Any] | None = None
    _catalog: Catalog | None = None
    _waivers: dict[str, WaiverMatcher] = field(default_factory=dict)

    @property
    def known_ids(self) -> tuple[str, ...]:
        return (*(policy.id for policy in self.policies), *PSEUDO_POLICY_IDS)

    def record_configure(self, configured: dict[str, dict[str, Any]]) -> None:
        self.configured = configured
        self._config = None

    def policy_config(self) -> PolicyConfig:
        if self._config is None:
            self._config = parse_policy_config(self.configured or {}, CONFIG_SOURCE, self.known_ids)
        return self._config

    def default_unknowns(self) -> UnknownMode:
        return "advisory" if self.environ.get(ENV_UNKNOWNS, "").strip().casefold() == "advisory" else "fail"

    def catalog(self) -> Catalog:
        if self._catalog is None:
            overlays = [path for path in self.environ.get(ENV_CATALOG, "").split(os.pathsep) if path.strip()]
            replace = self.environ.get(ENV_REPLACE_CATALOG, "").strip().casefold() in {"1", "true", "yes"}
            self._catalog = load_catalog(overlays, replace=replace)
        return self._catalog

    def settings(self, config: PolicyConfig, resources: Sequence[Resource]) -> Settings:
        plan = Plan(list(resources), SOURCE, stack=self.environ.get("PULUMI_STACK") or None)
        return settings_from_config(config, plan, CONFIG_SOURCE)

    def waivers(self, config: PolicyConfig, today: date) -> WaiverMatcher | None:
        path = config.properties_for(WAIVER_INVALID_ID).get(WAIVERS_PROPERTY) or self.environ.get(ENV_WAIVERS)
        if not path:
            return None
        key = f"{path}@{today.isoformat()}"
        if key not in self._waivers:
            self._waivers[key] = load_waivers(str(path), (p.id for p in self.policies), today)
        return self._waivers[key]

    def stack_config(self) -> dict[str, Any]:
        if self._stack_config is None:
            self._stack_config = stack_config(self.environ)
        return self._stack_config

    def record_inputs(self, urn: str, inputs: dict[str, Any]) -> None:
        if urn:
            self.inputs[urn] = inputs

    def custom_without_provider(self, resource_type: str) -> bool:
        """Whether a resource sent without a provider is a custom resource: its type token is a kind's, or
        its package is one that manages resources (a catalogued package, or a local-only one). Any other
        type is taken for a component, as the engine sends components: without a provider."""
        if resource_type.startswith("pulumi:"):
            return False
        package = pulumi_package(resource_type)
        return (
            kind_of(resource_type) is not None
            or is_local_only_package(package)
            or bool(self.catalog().offers_for_package(package))
        )

    def resources_from_args(self, args: ResourceValidationArgs) -> list[Resource]:
        sent = SentResource(
            args.resource_type,
            args.urn,
            args.name,
            wire_properties(args.props),
            args.provider,
            bool(args.opts.protect),
            args.opts.parent or None,
        )
        return self.normalized([sent])

    def resources_from_stack(self, resources: Iterable[PolicyResource]) -> list[Resource]:
        sent = []
        for resource in resources:
            parent = resource.parent.urn if resource.parent is not None else resource.opts.parent
            inputs = self.inputs.get(resource.urn)
            sent.append(
                SentResource(
                    resource.resource_type,
                    resource.urn,
                    resource.name,
                    inputs if inputs is not None else wire_properties(resource.props),
                    resource.provider,
                    bool(resource.opts.protect),
                    parent or None,
                    tuple(dependency.urn for dependency in resource.dependencies),
                )
            )
        return self.normalized(sent)

    def normalized(self, sent: Sequence[SentResource]) -> list[Resource]:
        return normalized_resources(
            sent, config=self.stack_config(), custom_without_provider=self.custom_without_provider
        )

    def findings(
        self, policy: Policy, resources: Sequence[Resource], settings_from: Sequence[Resource]
    ) -> list[Finding]:
        """The engine's findings of one policy, exactly as `souverain check` computes them."""
        config = self.policy_config()
        settings = self.settings(config, settings_from)
        evaluation = evaluate(
            resources,
            self.catalog(),
            [policy],
            config,
            settings,
            unknowns=self.default_unknowns(),
            waivers=self.waivers(config, settings.today),
            stack_name="",
        )
        return [finding for finding in evaluation.findings if finding.policy == policy.id]

    def report(self, policy: Policy, findings: Iterable[Finding], report_violation: ReportViolation) -> None:
        """Report at the policy's level; keep waived ones for `waived-finding`; advisory unknowns last."""
        level = self.policy_config().enforcement_for(policy)
        advisory: list[Finding] = []
        for finding in findings:
            if finding.waived:
                self.waived.append(finding)
            elif finding.enforcement is level:
                report_violation(finding.message, finding.resource or None)
            else:
                advisory.append(finding)
        if advisory:
            # Only UnknownValueError makes the SDK report below the policy's level: its advisory for unknowns.
            error = UnknownValueError(UNKNOWN_STRING_VALUE, [advisory[0].path or "region"])
            error.message = "; ".join(
                f"{finding.message} ({finding.resource})" if finding.resource else finding.message
                for finding in advisory
            )
            raise error

    # The SDK's validate callbacks.

    def resource_validation(
        self, policy: Policy
    ) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            resources = self.resources_from_args(args)
            self.report(policy, self.findings(policy, resources, resources), report_violation)

        return validate

    def stack_validation(self, policy: Policy) -> Callable[[StackValidationArgs, ReportViolation], None]:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            resources = self.resources_from_stack(args.resources)
            self.report(policy, self.findings(policy, resources, resources), report_violation)

        return validate

    def validate_waivers(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = self.policy_config()
        waivers = self.waivers(config, Settings().today)
        for finding in waivers.findings() if waivers is not None else ():
            report_violation(f"{finding.resource}: {finding.path}: {finding.message}", None)

    def validate_waived(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for finding in self.waived:
            report_violation(waived_message(finding), finding.resource or None)
        self.waived.clear()


def sdk_policy(policy: Policy, runtime: PackRuntime) -> SdkPolicy:
    common: dict[str, Any] = {
        "name": policy.id,
        "description": policy.title,
        "enforcement_level": _SDK_LEVEL[policy.enforcement],
        "config_schema": config_schema(policy),
        "display_name": policy.title,
        "severity": _SDK_SEVERITY[policy.severity.value],
        "framework": compliance_framework(policy.requirements),
        "tags": framework_tags(policy.requirements),
        "remediation_steps": policy.remediation,
        "url": policy.help_uri,
    }
    if policy.check_resource is not None:
        return ResourceValidationPolicy(validate=runtime.resource_validation(policy), **common)
    return StackValidationPolicy(validate=runtime.stack_validation(policy), **common)


def pack_policies(policies: Sequence[Policy], runtime: PackRuntime | None = None) -> list[SdkPolicy]:
    """The SDK policies of the pack: every souverain policy, then `waiver-invalid` and `waived-finding`.

    Installs the SDK hooks (this is only called in the pack process, by `policies/__main__.py`).
    """
    runtime = runtime or PackRuntime(tuple(policies))
    install_sdk_hooks(runtime)
    sdk_policies = [sdk_policy(policy, runtime) for policy in policies]
    sdk_policies.append(
        StackValidationPolicy(
            name=WAIVER_INVALID_ID,
            description="Waivers are justified, owned, current and name a policy",
            validate=runtime.validate_waivers,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties={WAIVERS_PROPERTY: WAIVERS_SCHEMA}),
            severity=_SDK_SEVERITY[WAIVER_INVALID_SEVERITY.value],
            remediation_steps=(
                "Renew the waiver after review (new expiry date, justification, owner), fix its policy id, "
                "or delete it and fix the resource."
            ),
        )
    )
    sdk_policies.append(
        StackValidationPolicy(
            name=WAIVED_FINDING_ID,
            description="Findings accepted by a reviewed waiver (shown, not enforced)",
            validate=runtime.validate_waived,
            enforcement_level=EnforcementLevel.ADVISORY,
            severity=SdkSeverity.LOW,
        )
    )
    return sdk_policies


# --- SDK hooks ---------------------------------------------------------------------------------------------

_HOOKED: list[PackRuntime] = []


def _level_name(level: int) -> str:
    from pulumi.runtime import proto

    names: dict[int, str] = {
        int(proto.ADVISORY): "advisory",
        int(proto.MANDATORY): "mandatory",
        int(proto.DISABLED): "disabled",
    }
    return names.get(int(level), "mandatory")  # remediate: the SDK reports violations as mandatory


def configured_policies(request: Any) -> dict[str, dict[str, Any]]:
    """A ConfigureAnalyzerRequest as `--policy-pack-config` JSON: name -> {enforcementLevel, properties}."""
    from google.protobuf import json_format

    return {
        name: {
            "enforcementLevel": _level_name(config.enforcementLevel),
            **json_format.MessageToDict(config.properties),
        }
        for name, config in request.policyConfig.items()
    }


def install_sdk_hooks(runtime: PackRuntime) -> None:
    """Wrap the SDK internals the adapter needs; fails loudly if a pulumi-policy upgrade moved them."""
    from pulumi_policy import policy

    sdk: Any = policy  # internals, not part of the SDK's typed interface
    servicer: Any = sdk._PolicyAnalyzerServicer
    original_configure = getattr(servicer, "Configure", None)
    original_analyze = getattr(servicer, "Analyze", None)
    original_deserialize = getattr(sdk, "deserialize_properties", None)
    if (
        not callable(original_configure)
        or not callable(original_analyze)
        or not callable(original_deserialize)
    ):
        raise RuntimeError("pulumi-policy internals changed: souverain.crossguard needs an update")
    _HOOKED[:] = [runtime]
    if getattr(original_configure, "_souverain", False):
        return

    def configure(self: Any, request: Any, context: Any) -> Any:
        for hooked in _HOOKED:
            hooked.record_configure(configured_policies(request))
        return original_configure(self, request, context)

    def analyze(self: Any, request: Any, context: Any) -> Any:
        from google.protobuf import json_format

        inputs = json_format.MessageToDict(request.properties)
        for hooked in _HOOKED:
            hooked.record_inputs(request.urn, inputs)
        return original_analyze(self, request, context)

    def deserialize_keeping_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> Any:
        # Analyze passes proxy_secrets=False, which turns secrets into plain values; keep them marked.
        return original_deserialize(props, True)

    configure._souverain = True  # type: ignore[attr-defined]
    servicer.Configure = configure
    servicer.Analyze = analyze
    sdk.deserialize_properties = deserialize_keeping_secrets
