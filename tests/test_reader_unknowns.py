"""A value unknown at preview reaches the policies as UNKNOWN, never as absent or empty (issue 12, class 11).

The usual case: a security group rule whose `remote_group_id` is the id of a group the same plan creates.
Each reader is given the shapes its tool writes for such a value (Terraform: omitted from `after` or null,
`true` in `after_unknown`, at the top, in a list, in a block; Pulumi: the unknown sentinel, an output value
without `value`, a resource reference whose id is not known yet), in resources and in provider
configurations, each beside a compliant twin whose value is known. Expected values are written by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from souverain.errors import InputError
from souverain.model import UNKNOWN, Plan, Resource, Secret
from souverain.readers import parse_plan

UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG = "4dabf18193072939515e22adb298388d"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OPENSTACK = "registry.terraform.io/terraform-provider-openstack/openstack"
RULE = "openstack_networking_secgroup_rule_v2.from_web"


def by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources}


# -- Terraform / OpenTofu ----------------------------------------------------------------------------


def tofu(
    after: dict[str, Any],
    after_unknown: Any,
    *,
    after_sensitive: Any = None,
    provider_expressions: dict[str, Any] | None = None,
    actions: tuple[str, ...] = ("create",),
) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": [
            {
                "address": RULE,
                "mode": "managed",
                "type": "openstack_networking_secgroup_rule_v2",
                "name": "from_web",
                "provider_name": OPENSTACK,
                "change": {
                    "actions": list(actions),
                    "before": None,
                    "after": after,
                    "after_unknown": after_unknown,
                    "before_sensitive": False,
                    "after_sensitive": after_sensitive if after_sensitive is not None else {},
                },
            }
        ],
        "configuration": {
            "provider_config": {
                "openstack": {
                    "name": "openstack",
                    "full_name": OPENSTACK,
                    "expressions": provider_expressions
                    if provider_expressions is not None
                    else {"region": {"constant_value": "SNC-PAR-1"}},
                }
            },
            "root_module": {
                "resources": [
                    {
                        "address": RULE,
                        "mode": "managed",
                        "type": "openstack_networking_secgroup_rule_v2",
                        "name": "from_web",
                        "provider_config_key": "openstack",
                        "expressions": {
                            "direction": {"constant_value": "ingress"},
                            "remote_group_id": {
                                "references": [
                                    "openstack_networking_secgroup_v2.web.id",
                                    "openstack_networking_secgroup_v2.web",
                                ]
                            },
                        },
                        "schema_version": 0,
                    }
                ]
            },
        },
    }


RULE_AFTER = {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 5432}


def tofu_rule(after: dict[str, Any], after_unknown: Any, **kwargs: Any) -> Resource:
    return by_address(parse_plan(tofu(after, after_unknown, **kwargs), "plan.json"))[RULE]


@pytest.mark.parametrize(
    ("after", "after_unknown"),
    [
        (RULE_AFTER, {"id": True, "remote_group_id": True}),  # omitted from `after`: what Terraform writes
        ({**RULE_AFTER, "remote_group_id": None}, {"remote_group_id": True}),  # null in `after`
        (RULE_AFTER, {"remote_group_id": True, "region": True, "tenant_id": True}),
    ],
)
def test_terraform_an_unknown_attribute_is_unknown_not_absent(
    after: dict[str, Any], after_unknown: Any
) -> None:
    rule = tofu_rule(after, after_unknown)
    assert "remote_group_id" in rule.properties
    assert rule.properties["remote_group_id"] is UNKNOWN
    assert rule.properties["port_range_min"] == 5432


def test_terraform_a_known_attribute_is_its_value() -> None:
    rule = tofu_rule({**RULE_AFTER, "remote_group_id": "3f0c5b1e-sg"}, {"id": True})
    assert rule.properties["remote_group_id"] == "3f0c5b1e-sg"
    assert rule.properties["id"] is UNKNOWN


def test_terraform_unknowns_nested_in_lists_and_blocks() -> None:
    after = {
        "name": "db",
        "security_group_ids": ["known-sg", None],
        "fixed_ip": [{"ip_address": "10.0.0.5"}, {}],
        "allowed_address_pairs": None,
        "binding": [{"vnic_type": "normal"}],
    }
    after_unknown = {
        "security_group_ids": [False, True],
        "fixed_ip": [{"subnet_id": True}, {"subnet_id": True, "ip_address": True}],
        "allowed_address_pairs": True,
        "binding": [{"host_id": True}],
        "extra_dhcp_option": [{"value": True}],  # a block omitted from `after` altogether
    }
    rule = tofu_rule(after, after_unknown)
    props = rule.properties
    assert props["security_group_ids"] == ["known-sg", UNKNOWN]
    assert props["fixed_ip"] == [
        {"ip_address": "10.0.0.5", "subnet_id": UNKNOWN},
        {"subnet_id": UNKNOWN, "ip_address": UNKNOWN},
    ]
    assert props["allowed_address_pairs"] is UNKNOWN
    assert props["binding"] == [{"vnic_type": "normal", "host_id": UNKNOWN}]
    assert props["extra_dhcp_option"] == [{"value": UNKNOWN}]


def test_terraform_an_unknown_sensitive_value_is_a_secret_whose_value_is_unknown() -> None:
    rule = tofu_rule(RULE_AFTER, {"remote_group_id": True}, after_sensitive={"remote_group_id": True})
    value = rule.properties["remote_group_id"]
    assert isinstance(value, Secret)
    assert value.reveal() is UNKNOWN


def test_terraform_a_replacement_reads_unknowns_too() -> None:
    rule = tofu_rule(RULE_AFTER, {"remote_group_id": True}, actions=("delete", "create"))
    assert rule.properties["remote_group_id"] is UNKNOWN


@pytest.mark.parametrize(
    ("expressions", "path", "expected"),
    [
        # the region of another resource: known only at apply
        (
            {
                "region": {
                    "references": [
                        "openstack_networking_network_v2.app.region",
                        "openstack_networking_network_v2.app",
                    ]
                }
            },
            ("region",),
            UNKNOWN,
        ),
        # a function of constants (`upper("snc-par-1")`): Terraform writes neither a constant nor references
        ({"region": {}}, ("region",), UNKNOWN),
        ({"auth_url": {}}, ("auth_url",), UNKNOWN),
        # inside nested blocks (a list of blocks, a map attribute)
        (
            {
                "region": {"constant_value": "SNC-PAR-1"},
                "vendor_options": [{"ignore_resize_confirmation": {"references": ["local.flag"]}}],
            },
            ("vendor_options", 0, "ignore_resize_confirmation"),
            UNKNOWN,
        ),
        (
            {
                "region": {"constant_value": "SNC-PAR-1"},
                "endpoint_overrides": {"references": ["local.endpoints"]},
            },
            ("endpoint_overrides",),
            UNKNOWN,
        ),
        # compliant twins: known values
        ({"region": {"constant_value": "SNC-PAR-1"}}, ("region",), "SNC-PAR-1"),
        (
            {
                "region": {"constant_value": "SNC-PAR-1"},
                "vendor_options": [{"ignore_resize_confirmation": {"constant_value": True}}],
            },
            ("vendor_options", 0, "ignore_resize_confirmation"),
            True,
        ),
    ],
)
def test_terraform_provider_configurations_read_unknowns(
    expressions: dict[str, Any], path: tuple[Any, ...], expected: Any
) -> None:
    plan = parse_plan(
        tofu({**RULE_AFTER, "remote_group_id": "sg"}, {}, provider_expressions=expressions), "plan.json"
    )
    provider = by_address(plan)["openstack"]
    value: Any = provider.properties
    for step in path:
        value = value[step]
    if expected is UNKNOWN:
        assert value is UNKNOWN
    else:
        assert value == expected
    if path == ("region",):
        assert by_address(plan)[RULE].region == expected  # UNKNOWN equals only itself


# -- Pulumi preview ----------------------------------------------------------------------------------

P = "urn:pulumi:dev::hdh::"
PROVIDER = P + "pulumi:providers:openstack::default_3_15_0"
PROVIDER_REF = PROVIDER + "::2f5c9a1e-0000-4000-8000-000000000001"
GROUP = P + "openstack:networking/secGroup:SecGroup::web"
RULE_URN = P + "openstack:networking/secGroupRule:SecGroupRule::from-web"


def preview(rule_inputs: dict[str, Any], provider_inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    provider = {
        "op": "same",
        "urn": PROVIDER,
        "newState": {
            "urn": PROVIDER,
            "custom": True,
            "id": "2f5c9a1e-0000-4000-8000-000000000001",
            "type": "pulumi:providers:openstack",
            "inputs": provider_inputs or {"authUrl": "https://auth.snc.acme.test/v3", "region": "SNC-PAR-1"},
        },
    }
    group = {
        "op": "create",
        "urn": GROUP,
        "provider": PROVIDER_REF,
        "newState": {
            "urn": GROUP,
            "custom": True,
            "type": "openstack:networking/secGroup:SecGroup",
            "inputs": {"name": "web"},
        },
    }
    rule = {
        "op": "create",
        "urn": RULE_URN,
        "provider": PROVIDER_REF,
        "newState": {
            "urn": RULE_URN,
            "custom": True,
            "type": "openstack:networking/secGroupRule:SecGroupRule",
            "inputs": {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", **rule_inputs},
            "dependencies": [GROUP],
        },
    }
    return {"config": {}, "steps": [provider, group, rule], "changeSummary": {"create": 2, "same": 1}}


def preview_rule(rule_inputs: dict[str, Any], provider_inputs: dict[str, Any] | None = None) -> Resource:
    return by_address(parse_plan(preview(rule_inputs, provider_inputs), "preview.json"))[RULE_URN]


@pytest.mark.parametrize(
    "remote_group_id",
    [
        UNKNOWN_SENTINEL,  # what `pulumi preview --json` writes for a computed input
        {SIG: OUTPUT_SIG, "dependencies": [GROUP]},  # an output value without its value
        {SIG: OUTPUT_SIG, "secret": True},
        {SIG: REF_SIG, "urn": GROUP, "id": "", "packageVersion": "3.15.0"},  # a reference, id not known yet
        {SIG: REF_SIG, "urn": GROUP, "id": UNKNOWN_SENTINEL},
    ],
)
def test_pulumi_an_unknown_input_is_unknown_not_absent(remote_group_id: Any) -> None:
    rule = preview_rule({"remoteGroupId": remote_group_id, "portRangeMin": 5432})
    assert "remote_group_id" in rule.properties
    assert rule.properties["remote_group_id"] is UNKNOWN
    assert rule.properties["port_range_min"] == 5432


@pytest.mark.parametrize(
    ("remote_group_id", "expected"),
    [
        ("3f0c5b1e-sg", "3f0c5b1e-sg"),
        ({SIG: OUTPUT_SIG, "value": "3f0c5b1e-sg", "dependencies": [GROUP]}, "3f0c5b1e-sg"),
        ({SIG: REF_SIG, "urn": GROUP, "id": "3f0c5b1e-sg", "packageVersion": "3.15.0"}, "3f0c5b1e-sg"),
    ],
)
def test_pulumi_a_known_input_is_its_value(remote_group_id: Any, expected: str) -> None:
    assert preview_rule({"remoteGroupId": remote_group_id}).properties["remote_group_id"] == expected


def test_pulumi_unknowns_nested_in_lists_and_objects() -> None:
    rule = preview_rule(
        {
            "remoteIpPrefixes": ["10.0.0.0/8", UNKNOWN_SENTINEL],
            "allowedAddressPairs": [{"ipAddress": UNKNOWN_SENTINEL, "macAddress": "fa:16:3e:00:00:01"}],
            "valueSpecs": {"remote_address_group_id": UNKNOWN_SENTINEL},
            "fixedIps": [{SIG: OUTPUT_SIG}],
        }
    )
    props = rule.properties
    assert props["remote_ip_prefixes"] == ["10.0.0.0/8", UNKNOWN]
    assert props["allowed_address_pairs"] == [{"ip_address": UNKNOWN, "mac_address": "fa:16:3e:00:00:01"}]
    assert props["value_specs"] == {"remote_address_group_id": UNKNOWN}
    assert props["fixed_ips"] == [UNKNOWN]


def test_pulumi_a_secret_whose_value_is_unknown() -> None:
    rule = preview_rule({"remoteGroupId": {SIG: SECRET_SIG, "value": UNKNOWN_SENTINEL}})
    value = rule.properties["remote_group_id"]
    assert isinstance(value, Secret)
    assert value.reveal() is UNKNOWN


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (UNKNOWN_SENTINEL, UNKNOWN),
        ({SIG: OUTPUT_SIG}, UNKNOWN),
        ({SIG: SECRET_SIG, "value": UNKNOWN_SENTINEL}, UNKNOWN),
        ("SNC-PAR-1", "SNC-PAR-1"),
    ],
)
def test_pulumi_a_provider_region_unknown_at_preview(region: Any, expected: Any) -> None:
    rule = preview_rule(
        {"remoteGroupId": "sg"}, {"authUrl": "https://auth.snc.acme.test/v3", "region": region}
    )
    assert rule.provider is not None
    assert rule.region == expected  # UNKNOWN equals only itself
    assert rule.region_source == "provider"


def test_pulumi_an_export_reads_unknowns_in_outputs_too() -> None:
    """A state left by an interrupted update can hold the sentinel in outputs read for want of inputs."""
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": RULE_URN,
                    "custom": True,
                    "type": "openstack:networking/secGroupRule:SecGroupRule",
                    "outputs": {
                        "direction": "ingress",
                        "remoteGroupId": UNKNOWN_SENTINEL,
                        "portRangeMin": 22,
                    },
                }
            ]
        },
    }
    rule = by_address(parse_plan(export, "state.json"))[RULE_URN]
    assert rule.properties["remote_group_id"] is UNKNOWN
    assert rule.properties["port_range_min"] == 22


# -- a whole resource object marked (Terraform writes `true` for whole outputs only) -------------------


def test_a_wholly_sensitive_resource_keeps_every_property_as_a_secret() -> None:
    """`after_sensitive: true` once gave the resource no properties at all: an open rule passed unseen."""
    after = {"direction": "ingress", "remote_ip_prefix": "0.0.0.0/0", "port_range_min": 443}
    rule = by_address(parse_plan(tofu(after, {}, after_sensitive=True), "plan.json"))[RULE]
    assert sorted(rule.properties) == ["direction", "port_range_min", "remote_ip_prefix"]
    prefix = rule.properties["remote_ip_prefix"]
    assert isinstance(prefix, Secret)
    assert prefix.reveal() == "0.0.0.0/0"


def test_a_wholly_unknown_resource_is_refused_with_its_field() -> None:
    """`after_unknown: true` once gave the resource no properties at all: nothing of it could be judged,
    and nothing was said. A plan cannot show such an object compliant: the reader refuses it."""
    with pytest.raises(InputError) as refused:
        parse_plan(tofu({}, True), "plan.json")
    assert refused.value.file == "plan.json"
    assert "resource_changes[0].change.after" in str(refused.value)
    assert "unknown as a whole" in str(refused.value)


def test_pulumi_wholly_secret_inputs_keep_every_property_as_a_secret() -> None:
    document = preview({})
    rule_state = document["steps"][2]["newState"]
    rule_state["inputs"] = {SIG: SECRET_SIG, "value": {**rule_state["inputs"], "remoteIpPrefix": "0.0.0.0/0"}}
    rule = by_address(parse_plan(document, "preview.json"))[RULE_URN]
    assert sorted(rule.properties) == ["direction", "ethertype", "protocol", "remote_ip_prefix"]
    prefix = rule.properties["remote_ip_prefix"]
    assert isinstance(prefix, Secret)
    assert prefix.reveal() == "0.0.0.0/0"


def test_pulumi_wholly_unknown_inputs_are_refused_with_their_field() -> None:
    document = preview({})
    document["steps"][2]["newState"]["inputs"] = {SIG: OUTPUT_SIG}  # an output value without its value
    with pytest.raises(InputError) as refused:
        parse_plan(document, "preview.json")
    assert "steps[2].newState.inputs" in str(refused.value)
    assert "unknown as a whole" in str(refused.value)
