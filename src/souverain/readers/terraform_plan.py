"""`tofu show -json` / `terraform show -json`: a saved plan (`jsonplan`), or a state (`jsonstate`).

A plan has `format_version`, `terraform_version`, `variables` (`{name: {"value": ...}}`),
`planned_values`, `resource_changes` (`address`, `module_address`, `mode`, `type`, `name`, `index`,
`provider_name`, `deposed`, `change: {actions, before, after, after_unknown, before_sensitive,
after_sensitive}`, `action_reason`), `prior_state` and `configuration` (`provider_config` keyed by
`openstack`, `openstack.backup`, `module.net:openstack`; `root_module.resources[].provider_config_key`;
`root_module.module_calls.<name>.module` nested). A state has `values.root_module` (`resources`,
`child_modules`) and no `resource_changes`: its resources are read with operation `same`, but for
deposed objects (`delete`) and tainted ones (`replace`), which the next apply destroys.

Values unknown until apply are omitted from `after` and flagged in `after_unknown`; they become UNKNOWN.
Sensitive values are in clear in `after` and flagged in `after_sensitive`; they become `Secret`.
Data sources are reads, not resources: they are skipped.

Provider configurations become resources too (`is_provider`), so policies see hard-coded credentials
and endpoints once. Their expressions are turned into values: a `constant_value` is the value itself;
a reference to an input variable (`var.region`, `var.os.region`) is resolved through the plan's
`variables` (root module) or the module call's arguments (child modules), and is `Secret` when the
variable is declared `sensitive`; several references are their common value, UNKNOWN when they differ;
any other reference (locals, resources, `each.value`) is UNKNOWN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import msgspec

from ..kinds import computed_when_unset
from ..model import PLACEMENT_FIELDS, UNKNOWN, Operation, Plan, ProviderConfig, Resource, Secret
from ._common import (
    IS_STR,
    MAX_DEPTH,
    bound_nesting,
    expect_list,
    expect_mapping,
    expect_str,
    fail,
    finish,
    json_type,
    key_path,
    object_properties,
    optional_bool,
    optional_str,
    recorded_secret,
    region_value,
    str_tuple,
    terraform_value,
)
from ._json import RAW_NULL, DeclinedError, built, member_as

SOURCE = "terraform-plan"

ACTIONS: dict[tuple[str, ...], tuple[Operation, bool]] = {
    ("no-op",): (Operation.SAME, False),
    ("create",): (Operation.CREATE, False),
    ("read",): (Operation.READ, False),
    ("update",): (Operation.UPDATE, False),
    ("delete", "create"): (Operation.REPLACE, False),
    ("create", "delete"): (Operation.REPLACE, False),
    ("delete",): (Operation.DELETE, False),
    # `forget` (a `removed` block with `destroy = false`) drops the object from the state but keeps it
    # in the cloud: a delete that retains, as Pulumi's retainOnDelete.
    ("forget",): (Operation.DELETE, True),
    ("create", "forget"): (Operation.REPLACE, True),
}
"""Every `change.actions` list of `jsonplan` (Terraform 1.x, OpenTofu), with whether the object is kept."""

_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
_NAME = re.compile(r"[A-Za-z_][\w-]*")
_REFERENCE_STEP = re.compile(r'\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def actions_operation(actions: tuple[str, ...]) -> tuple[Operation, bool]:
    """The operation for a list of actions; a combination newer than this reader fails towards change."""
    known = ACTIONS.get(actions)
    if known is not None:
        return known
    kept = "forget" in actions
    if "delete" in actions or kept:
        return (
            Operation.REPLACE if "create" in actions else Operation.DELETE
        ), kept and "delete" not in actions
    return Operation.UPDATE, False


def provider_source(provider_name: str) -> str:
    """A provider's source without its registry host, as the catalog names it (`namespace/name`):
    `registry.terraform.io/terraform-provider-openstack/openstack` is `terraform-provider-openstack/openstack`

    Terraform 0.12 wrote bare names (`openstack`), which meant `hashicorp/<name>`, as legacy `-/<name>` does.
    """
    parts = provider_name.removeprefix("provider.").split("/")
    if len(parts) >= 3:
        namespace, name = parts[-2], parts[-1]
    elif len(parts) == 2:
        namespace, name = parts
    else:
        namespace, name = "hashicorp", parts[0].split(".", 1)[0]
    return f"{'hashicorp' if namespace == '-' else namespace}/{name}"


def module_path(module_address: str) -> str:
    """`module.net[0].module.sub["a"]` -> `module.net.module.sub`: the configuration's module path."""
    return _INSTANCE_KEY.sub("", module_address) if "[" in module_address else module_address


def parent_module(path: str) -> str:
    head, sep, _tail = path.rpartition(".module.")
    return head if sep else ""


def module_chain(path: str) -> Iterator[str]:
    """A module path and each of its ancestors up to the root (`""`)."""
    while path:
        yield path
        path = parent_module(path)
    yield ""


def _instance_name(name: str, index: Any) -> str:
    if index is None:
        return name
    return (
        f"{name}[{index}]"
        if isinstance(index, int) and not isinstance(index, bool)
        else f"{name}[{json.dumps(index)}]"
    )


def _requirement_only(config: Mapping[str, Any]) -> bool:
    """Whether a child module's provider_config entry is only its `required_providers` entry, as Terraform
    0.13 to 1.0 list them (format 0.x: no `full_name`): no alias, no arguments. Such a module uses the
    configuration it inherits or is passed. A provider block without arguments is written the same way;
    it is read as a requirement too (see docs/inputs.md). Terraform 1.1 and later, and OpenTofu, write
    `full_name` and point the module's resources at the configuration they use."""
    expressions = config.get("expressions")
    return (
        not config.get("full_name")
        and not config.get("alias")
        and not (isinstance(expressions, Mapping) and expressions)
    )


def _shortens(longer: str, shorter: str) -> bool:
    """Whether `shorter` is `longer` with whole traversal steps taken off its end: `var.os` shortens
    `var.os.region` and `var.os[0]`, not `var.os_region`; `local.a` does not shorten `local.ab`."""
    return len(shorter) < len(longer) and longer.startswith(shorter) and longer[len(shorter)] in ".["


def referenced(refs: Iterable[str]) -> list[str]:
    """The references an expression makes, from its `references` list, in order.

    Terraform and OpenTofu write each reference followed by its shorter forms, step by step down to the
    object referred to (`var.os.region`, `var.os`; `aws_instance.web[0].id`, `aws_instance.web[0]`,
    `aws_instance.web`): an entry that shortens the one before it is part of the same reference. A
    reference written twice (`coalesce(var.a, var.a)`) counts once; segments are compared whole.
    """
    heads: list[str] = []
    previous: str | None = None
    for ref in refs:
        if (previous is None or not _shortens(previous, ref)) and ref not in heads:
            heads.append(ref)
        previous = ref
    return heads


class _Configuration:
    """The `configuration` section: provider configurations, resources and module calls by module path."""

    def __init__(self, data: Mapping[str, Any], file: str) -> None:
        self.file = file
        configuration = expect_mapping(data.get("configuration"), file, "configuration")
        self.provider_configs = expect_mapping(
            configuration.get("provider_config"), file, "configuration.provider_config"
        )
        self.root_variables = expect_mapping(data.get("variables"), file, "variables")
        self.resources: dict[str, Mapping[str, Any]] = {}
        self.resource_fields: dict[str, str] = {}
        self.modules: dict[str, Mapping[str, Any]] = {}
        self.calls: dict[str, Mapping[str, Any]] = {}
        self.module_fields: dict[str, str] = {}
        self._walk(configuration.get("root_module"), "", "configuration.root_module", 0)
        self._learned: dict[str, str] = {}
        """Provider sources by local name, from the resources' `provider_name`: format 0.x plans
        (Terraform before 1.1) write provider configurations without `full_name`."""
        if any(isinstance(c, Mapping) and not c.get("full_name") for c in self.provider_configs.values()):
            self._learned = self._sources_from_resources(data.get("resource_changes"))
        self._providers: dict[str, ProviderConfig] = {}
        self._resource_providers: dict[tuple[str, str, str, str], ProviderConfig] = {}
        self._unaliased: dict[tuple[str, str], str] = {}
        self._configs_per_module: dict[tuple[str, str], int] = {}
        """How many configurations of each provider source each module declares (an index, so that a
        resource's possible providers are counted without scanning every configuration)."""
        self._requirements: set[str] = set()
        """Entries that only say a child module requires a provider (see `_requirement_only`)."""
        for key, raw in self.provider_configs.items():
            config = expect_mapping(raw, file, key_path("configuration.provider_config", key))
            source = self._source_of(config)
            module_field = f"{key_path('configuration.provider_config', key)}.module_address"
            module = optional_str(config.get("module_address"), file, module_field) or ""
            if module and _requirement_only(config):
                self._requirements.add(key)
                continue
            if not config.get("alias"):
                self._unaliased.setdefault((module, source), key)
            if isinstance(raw, Mapping):
                counted = (module, source)
                self._configs_per_module[counted] = self._configs_per_module.get(counted, 0) + 1

    def _walk(self, raw: Any, path: str, field: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            fail(self.file, field, "modules nested too deeply to check safely")
        module = expect_mapping(raw, self.file, field)
        self.modules[path] = module
        self.module_fields[path] = field
        prefix = f"{path}." if path else ""
        for index, resource in enumerate(
            expect_list(module.get("resources"), self.file, f"{field}.resources")
        ):
            item_field = f"{field}.resources[{index}]"
            if not isinstance(resource, Mapping):
                fail(self.file, item_field, f"must be an object, not {json_type(resource)}")
            address = optional_str(resource.get("address"), self.file, f"{item_field}.address")
            if address and resource.get("mode", "managed") == "managed":
                self.resources[prefix + address] = resource
                self.resource_fields[prefix + address] = item_field
        calls = expect_mapping(module.get("module_calls"), self.file, f"{field}.module_calls")
        for name, call in calls.items():
            call_field = key_path(f"{field}.module_calls", name)
            call_map = expect_mapping(call, self.file, call_field)
            child = f"{prefix}module.{name}"
            self.calls[child] = call_map
            self._walk(call_map.get("module"), child, f"{call_field}.module", depth + 1)

    def _sources_from_resources(self, changes: Any) -> dict[str, str]:
        """Each provider local name's source, as the resources that use it name it (`provider_name`).

        A resource's configuration names its provider configuration (`provider_config_key`), whose `name`
        is the local name; a resource without one is taken to use the local name its provider's type has
        (`registry.terraform.io/terraform-provider-openstack/openstack` -> `openstack`). Entries of the
        wrong shape are skipped here: the reader reports them when it reads them.
        """
        learned: dict[str, str] = {}
        for change in changes if isinstance(changes, list) else ():
            if not isinstance(change, Mapping):
                continue
            provider_name, type_, name = change.get("provider_name"), change.get("type"), change.get("name")
            if not isinstance(provider_name, str) or not provider_name:
                continue
            local: Any = None
            module_address = change.get("module_address") or ""
            if isinstance(type_, str) and isinstance(name, str) and isinstance(module_address, str):
                module = module_path(module_address)
                declared = self.resources.get(f"{module}.{type_}.{name}" if module else f"{type_}.{name}")
                key = declared.get("provider_config_key") if declared is not None else None
                if isinstance(key, str) and key:
                    entry = self.provider_configs.get(key)
                    local = entry.get("name") if isinstance(entry, Mapping) else None
                    if not local:  # an older `<call>:<provider>.<alias>` key: its local name
                        local = key.rsplit(":", 1)[-1].split(".", 1)[0]
            if not isinstance(local, str) or not local:
                local = provider_name.rsplit("/", 1)[-1]
            learned.setdefault(local, provider_name)
        return learned

    def _source_of(self, config: Mapping[str, Any]) -> str:
        full_name = config.get("full_name")
        if isinstance(full_name, str) and full_name:
            return provider_source(full_name)
        name = config.get("name")
        if not isinstance(name, str) or not name:
            return ""
        return provider_source(self._learned.get(name, name))

    # -- which provider configuration a resource uses -------------------------------------------------

    def provider_for(self, config_key: str, module: str, source: str, resource_type: str) -> ProviderConfig:
        """The provider configuration a resource uses, from its `provider_config_key` in `configuration`.

        When the plan does not name it exactly (Terraform before the keys were normalized, or a resource
        whose configuration is gone), the nearest configuration of the same provider is assumed; if
        another configuration of that provider (an alias) could have been meant, the region is UNKNOWN.
        Worked out once per configured resource: every instance of it (`count`, `for_each`) shares it.
        """
        key = (config_key, module, source, resource_type)
        cached = self._resource_providers.get(key)
        if cached is None:
            cached = self._resource_providers[key] = self._provider_for(*key)
        return cached

    def _provider_for(self, config_key: str, module: str, source: str, resource_type: str) -> ProviderConfig:
        resource = self.resources.get(config_key)
        keys: list[str] = []
        if resource is not None:
            single = resource.get("provider_config_key")
            if isinstance(single, str) and single:
                keys.append(single)
            many = resource.get("provider_config_keys")  # OpenTofu, when a resource may use several
            if isinstance(many, list):
                keys.extend(k for k in many if isinstance(k, str) and k)
        found = [key for key in keys if key in self.provider_configs]
        if not found:
            guessed = [k for k in (self._lookup(key, module) for key in keys) if k is not None]
            if not guessed:
                default = self._default_key(module, source, resource_type)
                guessed = [default] if default is not None else []
            if not guessed:
                return ProviderConfig(source, None, None, {}, shown=False)
            provider = self.provider_config(guessed[0])
            if self._own_block(guessed[0], module):
                # The module's own provider block: Terraform uses it for the module's resources (a module
                # that configures a provider cannot also be passed one of that name).
                return provider
            if self._alternatives(provider.package, module) > 1:
                return ProviderConfig(
                    provider.package, provider.address, UNKNOWN, provider.properties, shown=False
                )
            return provider
        configs = [self.provider_config(key) for key in dict.fromkeys(found)]
        if len({repr(c.region) for c in configs}) > 1:
            first = configs[0]
            addresses = ", ".join(c.address or "" for c in configs)
            return ProviderConfig(first.package, addresses, UNKNOWN, {}, shown=False)
        if len({repr(c.properties) for c in configs}) > 1:
            # One region, but other settings differ (an endpoint, a universe domain): which applies is
            # not known, so those settings are not shown.
            first = configs[0]
            return ProviderConfig(first.package, first.address, first.region, first.properties, shown=False)
        return configs[0]

    def _own_block(self, key: str, module: str) -> bool:
        """Whether a provider_config entry is a provider block of the resource's own child module, with
        arguments. An entry without any may only stand for the module's `required_providers` (Terraform
        before 1.1 listed those too), whose configuration comes from elsewhere."""
        if not module:
            return False
        config = self.provider_configs.get(key)
        if not isinstance(config, Mapping) or config.get("module_address") != module:
            return False
        expressions = config.get("expressions")
        return isinstance(expressions, Mapping) and bool(expressions)

    def _alternatives(self, source: str, module: str) -> int:
        """How many configurations of a provider a module could be using (its own and its ancestors')."""
        return sum(self._configs_per_module.get((path, source), 0) for path in set(module_chain(module)))

    def _lookup(self, key: str, module: str) -> str | None:
        """The provider_config entry for a key; older releases wrote `<call name>:<provider>` keys that
        match no entry, so the provider's local name is then looked up from the module towards the root."""
        if key in self.provider_configs:
            return key
        local = key.rsplit(":", 1)[-1]
        requirement = None
        for path in module_chain(module):
            candidate = f"{path}:{local}" if path else local
            if candidate in self._requirements:
                requirement = requirement or candidate  # the configuration is inherited or passed: go on
            elif candidate in self.provider_configs:
                return candidate
        return requirement

    def _default_key(self, module: str, source: str, resource_type: str) -> str | None:
        """The unaliased configuration of the resource's provider, inherited from the nearest module."""
        local = resource_type.split("_", 1)[0]
        requirement = None
        for path in module_chain(module):
            key = self._unaliased.get((path, source))
            if key is not None:
                return key
            candidate = f"{path}:{local}" if path else local
            if candidate in self._requirements:
                requirement = requirement or candidate
            elif candidate in self.provider_configs:
                return candidate
        return requirement

    def provider_config(self, key: str) -> ProviderConfig:
        cached = self._providers.get(key)
        if cached is not None:
            return cached
        field = key_path("configuration.provider_config", key)
        config = expect_mapping(self.provider_configs.get(key), self.file, field)
        module = optional_str(config.get("module_address"), self.file, f"{field}.module_address") or ""
        expressions = expect_mapping(config.get("expressions"), self.file, f"{field}.expressions")
        properties = self.expressions(expressions, module, f"{field}.expressions", 0)
        provider = ProviderConfig(
            self._source_of(config), key, region_value(properties.get("region")), properties
        )
        self._providers[key] = provider
        return provider

    # -- expressions -----------------------------------------------------------------------------------

    def expressions(self, raw: Mapping[str, Any], module: str, field: str, depth: int) -> dict[str, Any]:
        return {
            key: self.expression(value, module, key_path(field, key), depth + 1) for key, value in raw.items()
        }

    def expression(self, raw: Any, module: str, field: str, depth: int) -> Any:
        """An expression's value: `constant_value`, a resolved variable, or UNKNOWN; blocks recursively.

        An empty object is an expression Terraform could write neither as a constant nor as references
        (a function of constants: `upper("fr-par")`, `file("ca.pem")`): UNKNOWN. An empty single nested
        block is written the same way, and reads as UNKNOWN too.
        """
        if depth > MAX_DEPTH:
            fail(self.file, field, "nested too deeply to check safely")
        if isinstance(raw, Mapping):
            if not raw:
                return UNKNOWN
            if raw.keys() <= {"constant_value", "references"}:
                if "constant_value" in raw:
                    return self.bounded(raw["constant_value"], field, depth)
                refs = str_tuple(raw.get("references"), self.file, f"{field}.references")
                return self.reference(refs, module, depth)
            return self.expressions(raw, module, field, depth)  # a nested block
        if isinstance(raw, list):  # a list of nested blocks
            return [self.expression(item, module, f"{field}[{i}]", depth + 1) for i, item in enumerate(raw)]
        fail(self.file, field, f"must be an expression object, not {json_type(raw)}")

    def reference(self, refs: tuple[str, ...], module: str, depth: int) -> Any:
        """The value of an expression that only refers to input variables; anything else is UNKNOWN.

        Terraform lists each reference of an expression followed by its shorter forms, down to the
        variable (`var.os.region`, `var.os`): `referenced` gives back the references themselves. An
        expression with several (`coalesce(var.a, var.b)`, a conditional) is that value only when they
        all have the same one; otherwise the JSON cannot say which applies, and it is UNKNOWN.
        """
        heads = referenced(refs)
        if not heads or not all(head.startswith("var.") for head in heads):
            return UNKNOWN
        values = [self.variable_reference(head, module, depth) for head in heads]
        first = values[0]
        if len(values) == 1:
            return first
        if any(value is UNKNOWN for value in values):
            return UNKNOWN
        plain = [value.reveal() if isinstance(value, Secret) else value for value in values]
        if any(type(other) is not type(plain[0]) or other != plain[0] for other in plain[1:]):
            return UNKNOWN
        secret = next((value for value in values if isinstance(value, Secret)), None)
        return secret if secret is not None else first

    def variable_reference(self, reference: str, module: str, depth: int) -> Any:
        """The value of one reference to an input variable (`var.os`, `var.os.region`, `var.zones[0]`,
        `var.os["region"]`): UNKNOWN when a step cannot be followed."""
        head = _NAME.match(reference, 4)
        if head is None:
            return UNKNOWN
        value = self.variable(head.group(), module, depth + 1)
        plain = value.reveal() if isinstance(value, Secret) else value
        position = head.end()
        while position < len(reference):
            step = _REFERENCE_STEP.match(reference, position)
            if step is None:
                return UNKNOWN
            position = step.end()
            attr, number, quoted = step.groups()
            if attr is not None and isinstance(plain, Mapping):
                plain = plain.get(attr, UNKNOWN)
            elif number is not None and isinstance(plain, list) and len(number) <= 9:  # no list is longer
                if int(number) >= len(plain):
                    return UNKNOWN
                plain = plain[int(number)]
            elif quoted is not None and isinstance(plain, Mapping):
                try:
                    key = json.loads(quoted)
                except ValueError:  # not a valid string literal: no such key
                    return UNKNOWN
                plain = plain.get(key, UNKNOWN)
            else:
                return UNKNOWN
        if plain is None or plain is UNKNOWN:
            return plain
        plain = self.bounded(plain, f"variables.{head.group()}", depth)
        return recorded_secret(plain) if isinstance(value, Secret) else plain

    def bounded(self, value: Any, field: str, depth: int) -> Any:
        """A value taken whole from the document (a constant, a variable's value): its nesting is bounded
        here, as the normalizers bound every other value, so that no policy walks an unbounded depth."""
        try:
            return bound_nesting(value, depth)
        except RecursionError:
            fail(self.file, field, "nested too deeply to check safely")

    def variable(self, name: str, module: str, depth: int) -> Any:
        """An input variable's value in a module: the plan's `variables` at the root, the call's argument
        in a child module, else the declared default; `Secret` when declared sensitive."""
        declared = expect_mapping(
            self.modules.get(module, {}).get("variables"),
            self.file,
            f"{self.module_fields.get(module, '')}.variables",
        )
        declaration = declared.get(name)
        declaration = declaration if isinstance(declaration, Mapping) else {}
        value: Any = UNKNOWN
        if not module:
            given = self.root_variables.get(name)
            if isinstance(given, Mapping) and "value" in given:
                value = given["value"]
            elif "default" in declaration:
                value = declaration["default"]
        else:
            call = self.calls.get(module, {})
            arguments = call.get("expressions")
            if isinstance(arguments, Mapping) and name in arguments:
                field = key_path(f"{self.module_fields.get(module, module)}.expressions", name)
                value = self.expression(arguments[name], parent_module(module), field, depth + 1)
            elif "default" in declaration:
                value = declaration["default"]
        if declaration.get("sensitive") is True and not isinstance(value, Secret) and value is not UNKNOWN:
            return recorded_secret(value)
        return value

    def provider_resources(self) -> list[Resource]:
        """Every provider configuration, as a resource policies can inspect (`is_provider`)."""
        resources = []
        for key in self.provider_configs:
            provider = self.provider_config(key)
            raw = expect_mapping(
                self.provider_configs[key], self.file, key_path("configuration.provider_config", key)
            )
            name = raw.get("alias") or raw.get("name") or key
            module = raw.get("module_address")
            resources.append(
                finish(
                    Resource(
                        address=key,
                        type=f"provider.{provider.package.rsplit('/', 1)[-1] or name}",
                        name=str(name),
                        package=provider.package,
                        properties=dict(provider.properties),
                        parent=module if isinstance(module, str) and module else None,
                        operation=Operation.SAME,
                        is_provider=True,
                        source=SOURCE,
                    )
                )
            )
        return resources


class _PriorResource(msgspec.Struct):
    address: str | None = None
    depends_on: list[str] | None = None


class _PriorModule(msgspec.Struct):
    resources: list[_PriorResource] | None = None
    child_modules: list[_PriorModule] | None = None


class _PriorValues(msgspec.Struct):
    root_module: _PriorModule | None = None


class _PriorState(msgspec.Struct):
    """The only part of a plan's `prior_state` the reader uses: each resource's address and `depends_on`.
    Decoded straight into this shape, the rest of the state (a quarter of a plan) is never built."""

    values: _PriorValues | None = None


def _prior_dependencies(prior: _PriorState | None) -> dict[str, tuple[str, ...]] | None:
    """`_state_dependencies` from the typed `prior_state`; None when it could not be read that way (or is
    nested deeper than the generic reader accepts), so that the generic reader decides and reports."""
    if prior is None:
        return None
    dependencies: dict[str, tuple[str, ...]] = {}
    root = prior.values.root_module if prior.values is not None else None
    stack: list[tuple[_PriorModule, int]] = [(root, 0)] if root is not None else []
    while stack:
        module, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        for resource in module.resources or ():
            if resource.address is not None:
                dependencies[resource.address] = tuple(resource.depends_on or ())
        # Children in document order: the generic reader walks them depth first, in order.
        stack.extend((child, depth + 1) for child in reversed(module.child_modules or ()))
    return dependencies


def _state_dependencies(state: Mapping[str, Any], file: str, field: str) -> dict[str, tuple[str, ...]]:
    """`depends_on` of every resource in a `jsonstate` document (the plan's `prior_state`)."""
    dependencies: dict[str, tuple[str, ...]] = {}
    values = expect_mapping(state.get("values"), file, f"{field}.values")
    for resource, item_field, _module in _state_resources(
        values.get("root_module"), file, f"{field}.values.root_module", 0
    ):
        address = resource.get("address")
        if isinstance(address, str):
            depends_on = resource.get("depends_on")
            dependencies[address] = (
                tuple(depends_on)
                if type(depends_on) is list and all(map(IS_STR, depends_on))
                else str_tuple(depends_on, file, f"{item_field}.depends_on")
            )
    return dependencies


def _state_resources(
    raw: Any, file: str, field: str, depth: int, module_address: str = ""
) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Every resource of a `jsonstate` module and its `child_modules`, with its field and module address."""
    if depth > MAX_DEPTH:
        fail(file, field, "modules nested too deeply to check safely")
    module = expect_mapping(raw, file, field)
    for index, resource in enumerate(expect_list(module.get("resources"), file, f"{field}.resources")):
        item_field = f"{field}.resources[{index}]"
        if not isinstance(resource, Mapping):
            fail(file, item_field, f"must be an object, not {json_type(resource)}")
        yield resource, item_field, module_address
    for index, child in enumerate(expect_list(module.get("child_modules"), file, f"{field}.child_modules")):
        child_field = f"{field}.child_modules[{index}]"
        child_map = expect_mapping(child, file, child_field)
        address = optional_str(child_map.get("address"), file, f"{child_field}.address") or ""
        yield from _state_resources(child_map, file, child_field, depth + 1, address)


def _properties(
    value: Any,
    unknown: Any,
    sensitive: Any,
    file: str,
    field: Callable[[], str],
    *,
    shallow: bool = False,
) -> dict[str, Any]:
    """A resource's properties; `field` names them, worked out only for an error message.

    The top level may be the document's own object, not a copy: whoever edits it copies it first.
    `shallow` says the value is known to nest no deeper than MAX_DEPTH (`_after`), so it is not walked.
    """
    if value is not None and not isinstance(value, Mapping):
        fail(file, field(), f"must be an object, not {json_type(value)}")
    try:
        marked = terraform_value(value, unknown, sensitive)
        result = marked if shallow else bound_nesting(marked)
    except RecursionError:
        fail(file, field(), "nested too deeply to check safely")
    if type(result) is dict:
        return result
    if result is None:
        return {}
    return object_properties(
        result,
        file,
        field(),
        "after_unknown: true, which Terraform writes for outputs, never for a resource; regenerate the "
        "plan with `terraform show -json`",
    )


def _suffixed(field: str, suffix: str) -> str:
    return field + suffix


def _unset(declared: Mapping[str, Any], attribute: str) -> bool:
    """Whether the resource's configuration is known and leaves an attribute out."""
    if not declared:
        return False
    expressions = declared.get("expressions")
    return not isinstance(expressions, Mapping) or attribute not in expressions


_NOT_RESOURCES = frozenset({"var", "local", "each", "count", "path", "terraform", "self", "data", "module"})
"""First segments of references that name no managed resource of the same module."""


def _referenced_resources(declared: Mapping[str, Any]) -> tuple[str, ...]:
    """The managed resources a resource's configuration refers to (`openstack_networking_port_v2.p` for
    `port_id = openstack_networking_port_v2.p[0].id`), as its module names them: what Terraform records
    as the resource's dependencies in the state once applied, known here before it is. Nested blocks are
    walked; below MAX_DEPTH levels nothing more is looked for."""
    found: dict[str, None] = {}
    pending: list[tuple[Any, int]] = [(declared.get("expressions"), 0)]
    while pending:
        raw, depth = pending.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(raw, Mapping):
            refs = raw.get("references")
            if isinstance(refs, list):  # an expression: its references, nothing nested
                for ref in refs:
                    if isinstance(ref, str):
                        parts = ref.split(".", 2)
                        if len(parts) >= 2 and parts[0] not in _NOT_RESOURCES:
                            found[f"{parts[0]}.{parts[1].split('[', 1)[0]}"] = None
            elif "constant_value" not in raw:  # a nested block: its expressions
                pending.extend((value, depth + 1) for value in raw.values())
        elif isinstance(raw, list):
            pending.extend((item, depth + 1) for item in raw)
    return tuple(found)


def _check_format_version(data: Mapping[str, Any], path: str) -> None:
    version = data.get("format_version")
    if version is None:
        fail(path, "", "is not `tofu show -json` / `terraform show -json` output: no format_version")
    if not isinstance(version, str):
        fail(path, "format_version", f"must be a string, not {json_type(version)}")
    if version.split(".", 1)[0] not in ("0", "1"):
        fail(
            path, "format_version", f"JSON format {version} is not supported (this reader knows 0.x and 1.x)"
        )


def parse(data: Mapping[str, Any], path: str) -> Plan:
    _check_format_version(data, path)
    config = _Configuration(data, path)
    if "resource_changes" in data or "values" not in data:
        resources = _plan_resources(data, path, config)
    else:
        resources = _state_resources_to_model(data, path)
    return Plan(resources=[*config.provider_resources(), *resources], source=SOURCE, path=path)


def _plan_resources(data: Mapping[str, Any], path: str, config: _Configuration) -> list[Resource]:
    """Every managed resource change. Field paths (`resource_changes[3].type`) are only spelled out for an
    error: each field is type-checked inline and handed to the `expect_*` helpers when it is wrong."""
    dependencies = _prior_dependencies(member_as(data, "prior_state", _PriorState))
    if dependencies is None:
        prior = expect_mapping(data.get("prior_state"), path, "prior_state")
        dependencies = _state_dependencies(prior, path, "prior_state") if prior else {}
    typed = member_as(data, "resource_changes", list[_ResourceChange])
    if typed is not None:
        try:
            return _change_resources(typed, path, config, dependencies)
        except DeclinedError:
            pass  # a value msgspec refuses (`1e400`) in a `before`: the generic path reports it
    changes = expect_list(data.get("resource_changes"), path, "resource_changes")
    entries = (_generic_change(change, path, index) for index, change in enumerate(changes))
    return _change_resources(entries, path, config, dependencies)


class _ChangeBody(msgspec.Struct):
    actions: Any = None
    before: msgspec.Raw = RAW_NULL
    before_sensitive: msgspec.Raw = RAW_NULL
    after: msgspec.Raw = RAW_NULL
    after_unknown: msgspec.Raw = RAW_NULL
    after_sensitive: msgspec.Raw = RAW_NULL


def _after(value: msgspec.Raw) -> tuple[Any, bool]:
    """An `after` from the typed path, built, and whether it provably nests no deeper than MAX_DEPTH: no
    more opening brackets in its text than that (brackets inside strings count too: an upper bound)."""
    text = bytes(value)
    return built(value), text.count(b"{") + text.count(b"[") <= MAX_DEPTH


def _mask(value: msgspec.Raw) -> Any:
    """An `after_unknown`/`after_sensitive` mask from the typed path, built only when it holds a `true`:
    a mask without one marks nothing, exactly like no mask (`terraform_value`)."""
    return built(value) if b"true" in bytes(value) else None


class _ResourceChange(msgspec.Struct):
    """The fields of a `resource_changes` entry the reader reads, each of any JSON type (the reader checks
    them). `before` is kept undecoded: only a delete reads it, and it is a third of a plan. The generic
    path puts its entries in this shape too (`_generic_change`), with `change` as the document has it."""

    address: Any = None
    mode: Any = None
    type: Any = None
    name: Any = None
    index: Any = None
    module_address: Any = None
    provider_name: Any = None
    deposed: Any = None
    change: _ChangeBody | None = None


def _generic_change(change_doc: Any, path: str, index: int) -> _ResourceChange:
    """A `resource_changes` entry of a document decoded whole, in the typed path's shape; the fields are
    checked by `_change_resources` as the typed ones are."""
    if type(change_doc) is not dict and not isinstance(change_doc, Mapping):
        fail(path, _change_field(index), f"must be an object, not {json_type(change_doc)}")
    get = change_doc.get
    return _ResourceChange(
        get("address"),
        get("mode"),
        get("type"),
        get("name"),
        get("index"),
        get("module_address"),
        get("provider_name"),
        get("deposed"),
        get("change"),
    )


def _generic_body(change: Mapping[str, Any]) -> _ChangeBody:
    """A `change` object of a document decoded whole, in the typed path's shape (values already built)."""
    get: Callable[[str], Any] = change.get
    return _ChangeBody(
        get("actions"),
        get("before"),
        get("before_sensitive"),
        get("after"),
        get("after_unknown"),
        get("after_sensitive"),
    )


def _change_field(index: int, suffix: str = "") -> str:
    return f"resource_changes[{index}]{suffix}"


class _Slot:
    """What the instances of one configured resource in one module instance share (`count`, `for_each`),
    worked out for the first of them; its provider once its name is known (the order errors come in)."""

    __slots__ = ("computed_unset", "config_key", "explicit", "module", "package", "prefixed", "provider")

    def __init__(
        self,
        module: str,
        config_key: str,
        package: str,
        explicit: tuple[str, ...],
        computed_unset: tuple[str, ...],
    ) -> None:
        self.module = module
        self.config_key = config_key
        self.package = package
        self.explicit = explicit
        self.computed_unset = computed_unset
        """The placement attributes (`region`, `zone`...) and the provider-computed arguments of its type
        (`kinds.computed_when_unset`) that the resource's configuration leaves out."""
        self.provider: ProviderConfig | None = None
        self.prefixed: tuple[str, ...] | None = None
        """`explicit` under the module instance's address (the slot's module instance is one)."""


def _change_resources(
    changes: Iterable[_ResourceChange],
    path: str,
    config: _Configuration,
    dependencies: dict[str, tuple[str, ...]],
) -> list[Resource]:
    """The resources of `resource_changes` entries (typed, or `_generic_change`'s): each field is checked
    inline, the field path spelled out only for an error."""
    resources: list[Resource] = []
    append = resources.append
    modules: dict[str, str] = {}
    packages: dict[str, str] = {}
    explicit_deps: dict[str, tuple[str, ...]] = {}
    unset_fields: dict[str, tuple[str, ...]] = {}
    slots: dict[tuple[str, str, str, str], _Slot] = {}
    delete = Operation.DELETE
    raw_type = msgspec.Raw
    for index, entry in enumerate(changes):
        mode = entry.mode
        if type(mode) is not str and mode is not None:
            optional_str(mode, path, _change_field(index, ".mode"))
        if mode == "data":
            continue
        address = entry.address
        if type(address) is not str or not address:
            address = expect_str(address, path, _change_field(index, ".address"))
        type_ = entry.type
        if type(type_) is not str or not type_:
            type_ = expect_str(type_, path, _change_field(index, ".type"))
        name = entry.name
        if type(name) is not str or not name:
            name = expect_str(name, path, _change_field(index, ".name"))
        module_address = entry.module_address
        if type(module_address) is not str:
            module_address = optional_str(module_address, path, _change_field(index, ".module_address")) or ""
        provider_name = entry.provider_name
        if type(provider_name) is not str:
            provider_name = optional_str(provider_name, path, _change_field(index, ".provider_name")) or ""
        deposed = entry.deposed
        if type(deposed) is not str:
            deposed = optional_str(deposed, path, _change_field(index, ".deposed"))
        change = entry.change
        if type(change) is not _ChangeBody:
            change = _generic_body(expect_mapping(change, path, _change_field(index, ".change")))
        raw_actions = change.actions
        if type(raw_actions) is list and all(map(IS_STR, raw_actions)):
            actions = tuple(raw_actions)
        else:
            actions = str_tuple(raw_actions, path, _change_field(index, ".change.actions"))
        if not actions:
            fail(path, _change_field(index, ".change.actions"), "is missing")
        operation, kept = actions_operation(actions)
        if operation is delete:
            properties = _properties(
                built(change.before),
                None,
                built(change.before_sensitive),
                path,
                partial(_change_field, index, ".change.before"),
            )
        else:
            after: Any = change.after
            unknown: Any = change.after_unknown
            sensitive: Any = change.after_sensitive
            if type(after) is raw_type and type(unknown) is raw_type and type(sensitive) is raw_type:
                # The typed path: a mask without a `true` marks nothing, so an object `after` under two
                # such masks that nests no deeper than MAX_DEPTH is the properties as it is.
                after, shallow = _after(after)
                # A mask shorter than `true` holds none (`{}`, the usual one): not even looked into.
                unknown = _mask(unknown) if len(unknown) > 3 else None
                sensitive = _mask(sensitive) if len(sensitive) > 3 else None
                if unknown is None and sensitive is None and shallow and type(after) is dict:
                    properties = after
                else:
                    properties = _properties(
                        after,
                        unknown,
                        sensitive,
                        path,
                        partial(_change_field, index, ".change.after"),
                        shallow=shallow,
                    )
            else:
                properties = _properties(
                    after, unknown, sensitive, path, partial(_change_field, index, ".change.after")
                )
        slot_key = (module_address, type_, name, provider_name)
        slot = slots.get(slot_key)
        if slot is None:
            module = modules.get(module_address)
            if module is None:
                module = modules[module_address] = module_path(module_address)
            config_key = f"{module}.{type_}.{name}" if module else f"{type_}.{name}"
            package = packages.get(provider_name)
            if package is None:
                package = packages[provider_name] = provider_source(provider_name) if provider_name else ""
            declared = config.resources.get(config_key, {})
            explicit = explicit_deps.get(config_key)
            if explicit is None:
                explicit = explicit_deps[config_key] = tuple(
                    dict.fromkeys(
                        [
                            *str_tuple(
                                declared.get("depends_on"),
                                path,
                                f"{config.resource_fields.get(config_key, 'configuration')}.depends_on",
                            ),
                            *_referenced_resources(declared),
                        ]
                    )
                )
            unset = unset_fields.get(config_key)
            if unset is None:
                unset = unset_fields[config_key] = tuple(
                    name
                    for name in (*PLACEMENT_FIELDS, *computed_when_unset(type_))
                    if _unset(declared, name)
                )
            slot = slots[slot_key] = _Slot(module, config_key, package, explicit, unset)
        copied = False
        for attribute in slot.computed_unset:
            if properties.get(attribute) is UNKNOWN:
                # Optional-computed attributes the configuration leaves unset are planned as unknown; the
                # provider's region or zone is the one that applies, so the resource has none of its own;
                # a bucket's ACL the provider reads back after apply is not one the configuration asks.
                if not copied:
                    properties = dict(properties)  # the document's object is shared, not edited
                    copied = True
                del properties[attribute]
        state_deps = dependencies.get(address, ())
        explicit = slot.explicit
        if explicit and not state_deps:  # a resource the plan creates: its slot's, prefixed once
            deps = slot.prefixed
            if deps is None:
                prefix = f"{module_address}." if module_address else ""
                deps = slot.prefixed = tuple(prefix + dep for dep in explicit)
        elif explicit:
            prefix = f"{module_address}." if module_address else ""
            deps = tuple(dict.fromkeys([*state_deps, *(prefix + dep for dep in explicit)]))
        else:
            deps = tuple(dict.fromkeys(state_deps)) if len(state_deps) > 1 else state_deps
        instance_name = _instance_name(name, entry.index)
        provider = slot.provider
        if provider is None:
            provider = slot.provider = config.provider_for(slot.config_key, slot.module, slot.package, type_)
        append(
            finish(
                Resource(
                    address=f"{address} (deposed object {deposed})" if deposed else address,
                    type=type_,
                    name=instance_name,
                    package=slot.package,
                    properties=properties,
                    provider=provider,
                    parent=module_address or None,
                    dependencies=deps,
                    retain_on_delete=kept,
                    operation=operation,
                    source=SOURCE,
                )
            )
        )
    return resources


def _state_resources_to_model(data: Mapping[str, Any], path: str) -> list[Resource]:
    """`terraform show -json` of a state: every managed resource as it is (`same`), but for what the next
    apply destroys: deposed objects (`delete`) and tainted ones (`replace`)."""
    values = expect_mapping(data.get("values"), path, "values")
    resources: list[Resource] = []
    for raw, field, module_address in _state_resources(
        values.get("root_module"), path, "values.root_module", 0
    ):
        mode = optional_str(raw.get("mode"), path, f"{field}.mode") or "managed"
        if mode == "data":
            continue
        address = expect_str(raw.get("address"), path, f"{field}.address")
        type_ = expect_str(raw.get("type"), path, f"{field}.type")
        name = expect_str(raw.get("name"), path, f"{field}.name")
        provider_name = optional_str(raw.get("provider_name"), path, f"{field}.provider_name") or ""
        deposed = optional_str(raw.get("deposed_key"), path, f"{field}.deposed_key")
        tainted = optional_bool(raw.get("tainted"), path, f"{field}.tainted")
        # The next apply destroys a deposed object (left by a create_before_destroy replacement) and
        # replaces a tainted one, as a Pulumi export's `delete` and `taint` say.
        operation = Operation.DELETE if deposed else Operation.REPLACE if tainted else Operation.SAME
        package = provider_source(provider_name) if provider_name else ""
        resources.append(
            finish(
                Resource(
                    address=f"{address} (deposed object {deposed})" if deposed else address,
                    type=type_,
                    name=_instance_name(name, raw.get("index")),
                    package=package,
                    properties=_properties(
                        raw.get("values"),
                        None,
                        raw.get("sensitive_values"),
                        path,
                        partial(_suffixed, field, ".values"),
                    ),
                    provider=ProviderConfig(package, None, None, {}, shown=False),
                    parent=module_address or None,
                    dependencies=str_tuple(raw.get("depends_on"), path, f"{field}.depends_on"),
                    operation=operation,
                    source=SOURCE,
                )
            )
        )
    return resources
