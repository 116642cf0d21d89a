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
- Two SDK internals are wrapped, once, in the pack process only (`install_sdk_hooks`): Configure, to read
  every policy's config as the engine sends it (stack-wide settings come from several policies' config, as
  in `souverain check`), and the property deserializer, so that secrets stay marked as secrets.
"""

from __future__ import annotations

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
from .model import Plan, ProviderConfig, Resource
from .policy import Enforcement, Policy, Settings
from .readers._common import finish, pulumi_package, pulumi_value
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


def provider_config(provider: PolicyProviderResource | None) -> ProviderConfig | None:
    if provider is None:
        return None
    properties = pulumi_value(wire_properties(provider.props))
    return ProviderConfig(
        package=pulumi_package(provider.resource_type),
        address=provider.urn or None,
        region=properties.get("region"),
        properties=properties,
    )


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
) -> Resource:
    """A resource as the Pulumi readers build it, from what the Analyzer protocol carries.

    The protocol has no `custom` flag, no operation and no `retainOnDelete`: a resource is custom when it
    has a provider (the engine gives every custom resource one, components and the stack have none), its
    operation stays `same`, and `retain_on_delete` stays False (see docs/crossguard.md).
    """
    is_provider = resource_type.startswith("pulumi:providers:")
    return finish(
        Resource(
            address=urn,
            type=resource_type,
            name=name,
            package=pulumi_package(resource_type),
            properties=pulumi_value(wire_properties(props)),
            provider=provider_config(provider),
            parent=parent or None,
            dependencies=tuple(dependencies),
            protect=bool(protect),
            custom=is_provider or provider is not None,
            is_provider=is_provider,
            source=SOURCE,
        )
    )


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    return normalized_resource(
        args.resource_type,
        args.props,
        args.urn,
        args.name,
        provider=args.provider,
        protect=args.opts.protect,
        parent=args.opts.parent,
    )


def resource_from_stack(resource: PolicyResource) -> Resource:
    parent = resource.parent.urn if resource.parent is not None else resource.opts.parent
    return normalized_resource(
        resource.resource_type,
        resource.props,
        resource.urn,
        resource.name,
        provider=resource.provider,
        protect=resource.opts.protect,
        parent=parent,
        dependencies=(dependency.urn for dependency in resource.dependencies),
    )


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
    _config: PolicyConfig | None = None
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
            resource = resource_from_args(args)
            self.report(policy, self.findings(policy, [resource], [resource]), report_violation)

        return validate

    def stack_validation(self, policy: Policy) -> Callable[[StackValidationArgs, ReportViolation], None]:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            resources = [resource_from_stack(resource) for resource in args.resources]
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
    """Wrap the two SDK internals the adapter needs; fails loudly if a pulumi-policy upgrade moved them."""
    from pulumi_policy import policy

    sdk: Any = policy  # internals, not part of the SDK's typed interface
    servicer: Any = sdk._PolicyAnalyzerServicer
    original_configure = getattr(servicer, "Configure", None)
    original_deserialize = getattr(sdk, "deserialize_properties", None)
    if not callable(original_configure) or not callable(original_deserialize):
        raise RuntimeError("pulumi-policy internals changed: souverain.crossguard needs an update")
    _HOOKED[:] = [runtime]
    if getattr(original_configure, "_souverain", False):
        return

    def configure(self: Any, request: Any, context: Any) -> Any:
        for hooked in _HOOKED:
            hooked.record_configure(configured_policies(request))
        return original_configure(self, request, context)

    def deserialize_keeping_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> Any:
        # Analyze passes proxy_secrets=False, which turns secrets into plain values; keep them marked.
        return original_deserialize(props, True)

    configure._souverain = True  # type: ignore[attr-defined]
    servicer.Configure = configure
    sdk.deserialize_properties = deserialize_keeping_secrets
