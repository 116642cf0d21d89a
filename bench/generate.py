"""Synthetic, realistic benchmark inputs: one OpenStack estate written as each tool writes it.

The same logical resources (project spaces of networks, subnets, routers, security groups and rules,
instances, volumes, object containers, key-manager secrets and floating IPs) come out in three files:

- `preview-<size>.json`: `pulumi preview --json --show-sames` (display.PreviewDigest, 4-space indent,
  secrets shown as `[secret]`, unknowns as the `04da6b54-...` sentinel, one step per resource, replacement
  steps hidden). `--show-sames` because a policy check must see unchanged resources too; without it the
  digest lists only the changed ones (and the root stack);
- `state-<size>.json`: `pulumi stack export` (deployment version 3, secrets as ciphertext envelopes);
- `plan-<size>.json`: `tofu show -json` of a saved plan (format 1.2, one line; `planned_values`,
  `resource_changes` with `after_unknown`/`after_sensitive`, `prior_state`, `configuration`).

Most project spaces already exist (no-op / `same`), about a fifth are being created (ids and references
unknown), a few resources are updated, and a few volumes are replaced or deleted. Violations are seeded
at realistic rates (public ingress on ~1% of resources, non-qualified regions, plaintext admin passwords,
unencrypted volume types, world-readable containers) and counted in `manifest-<size>.json`.

Deterministic: the same seed and size give byte-identical files. Regions are those of
`bench/catalog.yaml`, an invented benchmark catalog passed with `--catalog`.

    python bench/generate.py                    # 1k, 10k, 100k into bench/out/
    python bench/generate.py --sizes 10 1k      # any count; `k` means thousands
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
DEFAULT_SIZES = ("1k", "10k", "100k")

STACK, PROJECT = "prod", "hdh"
QUALIFIED_REGION = "BENCH-PAR-1"
SECOND_QUALIFIED_REGION = "BENCH-LYS-1"
UNQUALIFIED_REGION = "BENCH-PUB-1"
AUTH_URL = "https://auth.bench-snc.example.test:5000/v3"
PULUMI_VERSION = "v3.272.0"
PROVIDER_VERSION = "5.5.3"
TOFU_VERSION = "1.10.6"
TF_PROVIDER = "registry.opentofu.org/terraform-provider-openstack/openstack"
EXTERNAL_NETWORK_ID = "0c4f7d7e-8a3e-4b8a-9d3c-6e3b8c1f2a10"
BASE_IMAGE_ID = "5b0a8c52-3c3f-4e5e-a1f4-7c9d2e1b6a33"

PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"  # noqa: S105 - Pulumi's signature key
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - the secret signature

RATES = {
    "public_ingress": 0.01,  # of all resources: ingress rules opened to 0.0.0.0/0 or ::/0
    "unqualified_region": 0.005,  # of all resources: explicit region outside the qualified ones
    "admin_pass": 0.02,  # of instances: a plaintext admin password in the program
    "unencrypted_volume": 0.02,  # of volumes: a volume type without LUKS encryption
    "public_container": 0.01,  # of containers: world-readable ACL
    "volume_replace": 0.005,  # of existing volumes: replaced (volume type changed)
    "volume_delete": 0.003,  # of existing volumes: deleted
    "update": 0.015,  # of existing resources: metadata/tags changed in place
}
NEW_SPACE_SHARE = 0.2
"""Share of project spaces that the change creates; the rest already exist."""


class Unknown:
    """A value only known after apply (Pulumi's sentinel, Terraform's `after_unknown`)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


@dataclass
class Res:
    """One logical resource, written once in snake_case and emitted in each format."""

    tf_type: str
    pulumi_type: str
    tf_name: str
    """Terraform name inside the project-space module, with its index: `vm[0]`, `rule["ssh"]`."""
    name: str
    """Pulumi logical name (unique in the stack)."""
    space: int
    op: str
    """`same`, `create`, `update`, `replace` or `delete`."""
    args: dict[str, Any]
    """Arguments the program sets, snake_case; `Res`-valued entries are references to another's id."""
    computed: dict[str, Any]
    """Attributes the provider computes, with their values once applied."""
    nulls: tuple[str, ...] = ()
    """Schema attributes left unset: Terraform writes them as null, Pulumi omits them."""
    sensitive: frozenset[str] = frozenset()
    id: str = ""
    """Its id once it exists; a plan shows it unknown for a resource being created."""
    old: dict[str, Any] = field(default_factory=dict)
    """For update/replace: the previous values of the changed arguments."""
    protect: bool = False

    @property
    def exists(self) -> bool:
        return self.op != "create"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ts(rng: random.Random, base: float = 1_735_689_600.0) -> str:
    stamp = base + rng.randrange(0, 300 * 86_400)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


CLOUD_INIT_PACKAGES = [
    "chrony",
    "auditd",
    "aide",
    "fail2ban",
    "unattended-upgrades",
    "python3",
    "jq",
    "nftables",
]


def _user_data(rng: random.Random, space: int, role: str) -> str:
    """A cloud-init document of the size real HDH VMs carry (0.4 to 1.5 kB)."""
    packages = rng.sample(CLOUD_INIT_PACKAGES, rng.randint(3, len(CLOUD_INIT_PACKAGES)))
    lines = [
        "#cloud-config",
        f"hostname: ps{space:04d}-{role}",
        "package_update: true",
        "packages:",
        *[f"  - {p}" for p in packages],
        "write_files:",
        "  - path: /etc/hdh/space.env",
        "    permissions: '0640'",
        "    content: |",
        f"      PROJECT_SPACE=ps-{space:04d}",
        f"      ROLE={role}",
        "      LOG_SINK=syslog.hdh.internal:6514",
        "  - path: /etc/chrony/sources.d/hdh.sources",
        "    content: |",
        "      server ntp1.hdh.internal iburst",
        "      server ntp2.hdh.internal iburst",
    ]
    for i in range(rng.randint(0, 4)):
        lines += [
            f"  - path: /etc/hdh/conf.d/{i:02d}-{role}.conf",
            "    content: |",
            *[f"      setting_{j}={rng.getrandbits(48):x}" for j in range(rng.randint(2, 6))],
        ]
    lines += [
        "runcmd:",
        "  - [systemctl, enable, --now, auditd]",
        "  - [systemctl, enable, --now, nftables]",
        f"  - [sh, -c, 'echo ps-{space:04d} > /etc/hdh/space']",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Estate:
    resources: list[Res]
    counts: dict[str, int]


def _metadata(space: int, rng: random.Random, classification: str) -> dict[str, str]:
    return {
        "data_classification": classification,
        "managed_by": "souverain",
        "owner": f"team-{space % 17:02d}",
        "project_space": f"ps-{space:04d}",
        "cost_center": f"cc-{1000 + space % 50}",
        "backup_policy": rng.choice(["daily-30d", "daily-7d", "weekly-90d"]),
    }


def _tags(space: int) -> list[str]:
    return [f"project_space=ps-{space:04d}", f"owner=team-{space % 17:02d}", "managed_by=souverain"]


def build_estate(count: int, seed: int) -> Estate:
    """`count` cloud resources in project spaces of 21, with seeded changes and violations."""
    rng = random.Random(seed)
    resources: list[Res] = []
    space = 0
    while len(resources) < count:
        space += 1
        resources.extend(_space(space, rng))
    del resources[count:]
    counts = _seed_changes_and_violations(resources, rng)
    counts["resources"] = len(resources)
    counts["project_spaces"] = space
    return Estate(resources, counts)


def _space(space: int, rng: random.Random) -> list[Res]:
    op = "create" if rng.random() < NEW_SPACE_SHARE else "same"
    ps = f"ps{space:04d}"
    cidr = f"10.{space // 250 % 250}.{space % 250}.0/24"
    classification = "health" if space % 3 else "internal"
    out: list[Res] = []

    def add(res: Res) -> Res:
        res.id = _uuid(rng)  # the id it has, or will have once created
        out.append(res)
        return res

    net = add(
        Res(
            "openstack_networking_network_v2",
            "openstack:networking/network:Network",
            "openstack_networking_network_v2.this",
            f"{ps}-net",
            space,
            op,
            {
                "name": f"{ps}-net",
                "admin_state_up": True,
                "tags": _tags(space),
                "port_security_enabled": True,
            },
            {
                "all_tags": _tags(space),
                "availability_zone_hints": [],
                "dns_domain": "",
                "external": False,
                "mtu": 1450,
                "qos_policy_id": "",
                "region": QUALIFIED_REGION,
                "shared": False,
                "tenant_id": f"{space:032x}",
                "transparent_vlan": False,
                "description": "",
            },
            nulls=("segments", "value_specs", "timeouts"),
        )
    )
    add(
        Res(
            "openstack_networking_subnet_v2",
            "openstack:networking/subnet:Subnet",
            "openstack_networking_subnet_v2.this",
            f"{ps}-subnet",
            space,
            op,
            {
                "name": f"{ps}-subnet",
                "network_id": net,
                "cidr": cidr,
                "ip_version": 4,
                "enable_dhcp": True,
                "dns_nameservers": ["10.0.0.2", "10.0.0.3"],
                "allocation_pool": [
                    {"start": cidr.replace(".0/24", ".10"), "end": cidr.replace(".0/24", ".250")}
                ],
                "tags": _tags(space),
            },
            {
                "all_tags": _tags(space),
                "gateway_ip": cidr.replace(".0/24", ".1"),
                "ipv6_address_mode": "",
                "ipv6_ra_mode": "",
                "region": QUALIFIED_REGION,
                "service_types": [],
                "subnetpool_id": "",
                "tenant_id": f"{space:032x}",
                "description": "",
                "dns_publish_fixed_ip": False,
            },
            nulls=("no_gateway", "prefix_length", "segment_id", "value_specs", "timeouts"),
        )
    )
    add(
        Res(
            "openstack_networking_router_v2",
            "openstack:networking/router:Router",
            "openstack_networking_router_v2.this",
            f"{ps}-router",
            space,
            op,
            {
                "name": f"{ps}-router",
                "admin_state_up": True,
                "external_network_id": EXTERNAL_NETWORK_ID,
                "enable_snat": True,
                "tags": _tags(space),
            },
            {
                "all_tags": _tags(space),
                "availability_zone_hints": [],
                "distributed": False,
                "external_fixed_ip": [
                    {"ip_address": f"185.10.{space // 250 % 250}.{space % 250}", "subnet_id": ""}
                ],
                "external_qos_policy_id": "",
                "region": QUALIFIED_REGION,
                "tenant_id": f"{space:032x}",
                "description": "",
            },
            nulls=("external_subnet_ids", "value_specs", "vendor_options", "timeouts"),
        )
    )
    sg = add(
        Res(
            "openstack_networking_secgroup_v2",
            "openstack:networking/secGroup:SecGroup",
            "openstack_networking_secgroup_v2.this",
            f"{ps}-sg",
            space,
            op,
            {
                "name": f"{ps}-sg",
                "description": f"Project space ps-{space:04d}: bastion SSH, internal HTTPS, database",
                "delete_default_rules": True,
                "tags": _tags(space),
            },
            {
                "all_tags": _tags(space),
                "region": QUALIFIED_REGION,
                "stateful": True,
                "tenant_id": f"{space:032x}",
            },
            nulls=("timeouts",),
        )
    )
    rules = [
        ("ssh", "ingress", "IPv4", "tcp", 22, 22, "10.8.0.0/16"),
        ("https", "ingress", "IPv4", "tcp", 443, 443, "10.0.0.0/8"),
        ("postgres", "ingress", "IPv4", "tcp", 5432, 5432, cidr),
        ("icmp", "ingress", "IPv4", "icmp", None, None, "10.0.0.0/8"),
        ("egress_https", "egress", "IPv4", "tcp", 443, 443, "10.0.0.0/8"),
        ("egress_dns", "egress", "IPv4", "udp", 53, 53, "10.0.0.2/32"),
    ]
    for key, direction, ethertype, protocol, low, high, prefix in rules:
        args: dict[str, Any] = {
            "direction": direction,
            "ethertype": ethertype,
            "protocol": protocol,
            "remote_ip_prefix": prefix,
            "security_group_id": sg,
            "description": f"{key} for ps-{space:04d}",
        }
        if low is not None:
            args["port_range_min"], args["port_range_max"] = low, high
        add(
            Res(
                "openstack_networking_secgroup_rule_v2",
                "openstack:networking/secGroupRule:SecGroupRule",
                f'openstack_networking_secgroup_rule_v2.rule["{key}"]',
                f"{ps}-rule-{key}",
                space,
                op,
                args,
                {"region": QUALIFIED_REGION, "tenant_id": f"{space:032x}", "remote_group_id": ""}
                | ({} if low is not None else {"port_range_min": 0, "port_range_max": 0}),
                nulls=("remote_address_group_id", "timeouts"),
            )
        )
    volumes = []
    for i in range(4):
        volumes.append(
            add(
                Res(
                    "openstack_blockstorage_volume_v3",
                    "openstack:blockstorage/volume:Volume",
                    f"openstack_blockstorage_volume_v3.data[{i}]",
                    f"{ps}-data-{i}",
                    space,
                    op,
                    {
                        "name": f"{ps}-data-{i}",
                        "size": rng.choice([50, 100, 200, 500, 1000]),
                        "volume_type": "classic-luks",
                        "availability_zone": "az1",
                        "description": f"Data volume {i} of project space ps-{space:04d}",
                        "enable_online_resize": True,
                        "metadata": _metadata(space, rng, classification),
                    },
                    {"attachment": [], "region": QUALIFIED_REGION, "multiattach": False},
                    nulls=(
                        "consistency_group_id",
                        "image_id",
                        "scheduler_hints",
                        "snapshot_id",
                        "source_replica",
                        "source_vol_id",
                        "backup_id",
                        "timeouts",
                    ),
                    protect=True,
                )
            )
        )
    roles = ["bastion", "app", "db", "worker"]
    for i, role in enumerate(roles):
        boot = {
            "uuid": BASE_IMAGE_ID,
            "source_type": "image",
            "destination_type": "volume",
            "volume_size": 40,
            "boot_index": 0,
            "delete_on_termination": True,
            "volume_type": "classic-luks",
        }
        data = {
            "uuid": volumes[i],
            "source_type": "volume",
            "destination_type": "volume",
            "boot_index": 1,
            "delete_on_termination": False,
        }
        user_data = _user_data(rng, space, role)
        add(
            Res(
                "openstack_compute_instance_v2",
                "openstack:compute/instance:Instance",
                f"openstack_compute_instance_v2.vm[{i}]",
                f"{ps}-{role}",
                space,
                op,
                {
                    "name": f"{ps}-{role}",
                    "flavor_name": rng.choice(["b2-7", "b2-15", "r2-30", "c2-15"]),
                    "image_id": BASE_IMAGE_ID,
                    "key_pair": f"ps{space:04d}-ops",
                    "security_groups": [f"{ps}-sg"],
                    "availability_zone": "az1",
                    "network": [{"uuid": net, "name": f"{ps}-net"}],
                    "block_device": [boot, data],
                    "user_data": user_data,
                    "metadata": _metadata(space, rng, classification) | {"role": role},
                    "config_drive": True,
                    "stop_before_destroy": True,
                    "tags": [*_tags(space), f"role={role}"],
                },
                {
                    "access_ip_v4": f"10.{space // 250 % 250}.{space % 250}.{10 + i}",
                    "access_ip_v6": "",
                    "all_metadata": _metadata(space, rng, classification) | {"role": role},
                    "all_tags": [*_tags(space), f"role={role}"],
                    "created": _ts(rng),
                    "flavor_id": f"{rng.getrandbits(64):016x}",
                    "image_name": "debian-12-hdh-hardened",
                    "region": QUALIFIED_REGION,
                    "updated": _ts(rng),
                    "power_state": "active",
                    "network_mode": "",
                    "force_delete": False,
                },
                nulls=(
                    "admin_pass",
                    "personality",
                    "scheduler_hints",
                    "vendor_options",
                    "hypervisor_hostname",
                    "timeouts",
                ),
                sensitive=frozenset({"admin_pass"}),
            )
        )
    add(
        Res(
            "openstack_networking_floatingip_v2",
            "openstack:networking/floatingIp:FloatingIp",
            "openstack_networking_floatingip_v2.bastion",
            f"{ps}-bastion-fip",
            space,
            op,
            {"pool": "ext-net", "description": f"Bastion of ps-{space:04d}", "tags": _tags(space)},
            {
                "address": f"185.20.{space // 250 % 250}.{space % 250}",
                "all_tags": _tags(space),
                "dns_domain": "",
                "dns_name": "",
                "fixed_ip": "",
                "port_id": "",
                "region": QUALIFIED_REGION,
                "subnet_id": "",
                "tenant_id": f"{space:032x}",
            },
            nulls=("subnet_ids", "value_specs", "timeouts"),
        )
    )
    add(
        Res(
            "openstack_objectstorage_container_v1",
            "openstack:objectstorage/container:Container",
            "openstack_objectstorage_container_v1.exports",
            f"{ps}-exports",
            space,
            op,
            {
                "name": f"{ps}-exports",
                "container_read": f"{space:032x}:*",
                "container_write": f"{space:032x}:*",
                "versioning": True,
                "metadata": _metadata(space, rng, classification),
                "storage_policy": "Policy-0",
            },
            {"region": QUALIFIED_REGION, "content_type": "", "force_destroy": False, "storage_class": ""},
            nulls=("container_sync_key", "container_sync_to", "versioning_legacy"),
            protect=True,
        )
    )
    payload = base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode()
    add(
        Res(
            "openstack_keymanager_secret_v1",
            "openstack:keymanager/secretV1:SecretV1",
            "openstack_keymanager_secret_v1.db_key",
            f"{ps}-db-key",
            space,
            op,
            {
                "name": f"{ps}-db-key",
                "payload": payload,
                "payload_content_type": "application/octet-stream",
                "payload_content_encoding": "base64",
                "secret_type": "symmetric",
                "algorithm": "aes",
                "bit_length": 256,
                "mode": "cbc",
                "metadata": {"project_space": f"ps-{space:04d}", "purpose": "database-encryption"},
            },
            {
                "acl": [
                    {"read": [{"project_access": True, "users": [], "created_at": "", "updated_at": ""}]}
                ],
                "all_metadata": {"project_space": f"ps-{space:04d}", "purpose": "database-encryption"},
                "content_types": {"default": "application/octet-stream"},
                "created_at": _ts(rng),
                "creator_id": f"{rng.getrandbits(128):032x}",
                "region": QUALIFIED_REGION,
                "secret_ref": f"https://barbican.bench-snc.example.test:9311/v1/secrets/{_uuid(rng)}",
                "status": "ACTIVE",
                "updated_at": _ts(rng),
            },
            nulls=("expiration", "timeouts"),
            sensitive=frozenset({"payload"}),
            protect=True,
        )
    )
    return out


def _pick(rng: random.Random, pool: list[Res], share: float, of: int | None = None) -> list[Res]:
    wanted = round(share * (len(pool) if of is None else of))
    return rng.sample(pool, min(max(wanted, 1 if share and pool else 0), len(pool)))


def _seed_changes_and_violations(resources: list[Res], rng: random.Random) -> dict[str, int]:
    n = len(resources)
    by_type: dict[str, list[Res]] = {}
    for res in resources:
        by_type.setdefault(res.tf_type, []).append(res)
    counts: dict[str, int] = {}

    ingress = [
        r
        for r in by_type.get("openstack_networking_secgroup_rule_v2", [])
        if r.args["direction"] == "ingress"
    ]
    chosen = _pick(rng, ingress, RATES["public_ingress"], of=n)
    for res in chosen:
        if rng.random() < 0.2:
            res.args["ethertype"], res.args["remote_ip_prefix"] = "IPv6", "::/0"
        else:
            res.args["remote_ip_prefix"] = "0.0.0.0/0"
    counts["public_ingress"] = len(chosen)

    chosen = _pick(rng, resources, RATES["unqualified_region"], of=n)
    for res in chosen:
        res.args["region"] = UNQUALIFIED_REGION
        res.computed.pop("region", None)
    counts["unqualified_region"] = len(chosen)
    for res in rng.sample(resources, n // 50):  # explicit but qualified: the other region
        if "region" not in res.args:
            res.args["region"] = SECOND_QUALIFIED_REGION
            res.computed.pop("region", None)

    instances = by_type.get("openstack_compute_instance_v2", [])
    chosen = _pick(rng, instances, RATES["admin_pass"])
    for res in chosen:
        res.args["admin_pass"] = f"Hdh-{rng.getrandbits(40):x}!"
        res.nulls = tuple(k for k in res.nulls if k != "admin_pass")
    counts["admin_pass"] = len(chosen)

    volumes = by_type.get("openstack_blockstorage_volume_v3", [])
    chosen = _pick(rng, volumes, RATES["unencrypted_volume"])
    for res in chosen:
        res.args["volume_type"] = "classic"
    counts["unencrypted_volume"] = len(chosen)

    containers = by_type.get("openstack_objectstorage_container_v1", [])
    chosen = _pick(rng, containers, RATES["public_container"])
    for res in chosen:
        res.args["container_read"] = ".r:*,.rlistings"
    counts["public_container"] = len(chosen)

    existing_volumes = [v for v in volumes if v.op == "same"]
    replaced = _pick(rng, existing_volumes, RATES["volume_replace"])
    for res in replaced:
        res.op = "replace"
        res.old = {"volume_type": "classic-luks"}
        res.args["volume_type"] = "fast-luks"
    counts["volume_replace"] = len(replaced)
    still = [v for v in existing_volumes if v.op == "same"]
    deleted = _pick(rng, still, RATES["volume_delete"])
    for res in deleted:
        res.op = "delete"
    counts["volume_delete"] = len(deleted)

    existing = [r for r in resources if r.op == "same" and ("metadata" in r.args or "tags" in r.args)]
    updated = _pick(rng, existing, RATES["update"], of=n)
    for res in updated:
        res.op = "update"
        if "metadata" in res.args:
            res.old = {"metadata": dict(res.args["metadata"])}
            res.args["metadata"] = res.args["metadata"] | {"owner": f"team-{rng.randrange(17):02d}-new"}
        else:
            res.old = {"tags": list(res.args["tags"])}
            res.args["tags"] = [*res.args["tags"], "reviewed=2026"]
    counts["update"] = len(updated)
    counts["create"] = sum(1 for r in resources if r.op == "create")
    counts["same"] = sum(1 for r in resources if r.op == "same")
    counts["instances"] = len(instances)
    return counts


# --------------------------------------------------------------------------------------------------
# Values as each tool sees them


def _resolve(value: Any, planned: bool) -> Any:
    """A reference is the target's id; in a plan, the id of a target not yet created is unknown."""
    if isinstance(value, Res):
        return UNKNOWN if planned and value.op == "create" else value.id
    if isinstance(value, dict):
        return {k: _resolve(v, planned) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, planned) for v in value]
    return value


def arguments(res: Res, *, planned: bool, old: bool = False) -> dict[str, Any]:
    """What the program sets, references resolved; `old` gives the values before an update/replace."""
    args = {**res.args, **res.old} if old else res.args
    return {k: _resolve(v, planned) for k, v in args.items()}


def attributes(res: Res, *, planned: bool, old: bool = False) -> dict[str, Any]:
    """Every attribute once applied (`planned=False`), or as the plan knows it (new ids unknown)."""
    args = arguments(res, planned=planned, old=old)
    fresh = planned and not old and res.op in ("create", "replace")
    computed = {k: UNKNOWN for k in res.computed} if fresh else dict(res.computed)
    for own, merged in (("metadata", "all_metadata"), ("tags", "all_tags")):
        if merged in computed and not fresh and own in args:
            computed[merged] = args[own]
    values: dict[str, Any] = {**computed, **args, "id": UNKNOWN if fresh else res.id}
    if isinstance(values.get("user_data"), str):
        # The OpenStack provider keeps only the SHA-1 of user_data in state (Terraform and Pulumi alike).
        values["user_data"] = hashlib.sha1(values["user_data"].encode()).hexdigest()  # noqa: S324
    return values


def _walk_refs(value: Any) -> Iterator[Res]:
    if isinstance(value, Res):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_refs(item)


def _go_json(data: Any, indent: int | None) -> str:
    """JSON as Go's encoding/json writes it: UTF-8, `<>&` escaped, no spaces unless indented."""
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(data, indent=indent, ensure_ascii=False, separators=separators)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --------------------------------------------------------------------------------------------------
# Pulumi

LIST_BLOCK_NAMES = {
    "network": "networks",
    "block_device": "blockDevices",
    "allocation_pool": "allocationPools",
    "external_fixed_ip": "externalFixedIps",
    "attachment": "attachments",
    "personality": "personalities",
    "vendor_options": "vendorOptions",
}
"""Terraform's singular block names that the Pulumi bridge pluralizes."""
USER_MAPS = frozenset({"metadata", "all_metadata", "content_types", "value_specs"})


def _camel(name: str) -> str:
    if name in LIST_BLOCK_NAMES:
        return LIST_BLOCK_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire(value: Any, user_map: bool = False) -> Any:
    if value is UNKNOWN:
        return PULUMI_UNKNOWN
    if isinstance(value, dict):
        if user_map:
            return dict(sorted(value.items()))
        return dict(sorted((_camel(k), _wire(v, k in USER_MAPS)) for k, v in value.items() if v is not None))
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _props(values: dict[str, Any], secret: Callable[[Any], Any], sensitive: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        wire = _wire(value, key in USER_MAPS)
        out[_camel(key)] = secret(wire) if key in sensitive and value is not UNKNOWN else wire
    return dict(sorted(out.items()))


def _masked(_: Any) -> str:
    """`pulumi preview --json` prints every secret as this string."""
    return "[secret]"


class Pulumi:
    """URNs, the default provider and the project-space components, shared by preview and export."""

    component_type = "hdh:index:ProjectSpace"

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed + 1)
        self.rng = rng
        self.stack_urn = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
        version = PROVIDER_VERSION.replace(".", "_")
        self.provider_urn = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:openstack::default_{version}"
        self.provider_id = _uuid(rng)
        self.provider_ref = f"{self.provider_urn}::{self.provider_id}"
        self.created = _ts(rng)

    def component_urn(self, space: int) -> str:
        return f"urn:pulumi:{STACK}::{PROJECT}::{self.component_type}::ps-{space:04d}"

    def urn(self, res: Res) -> str:
        return f"urn:pulumi:{STACK}::{PROJECT}::{self.component_type}${res.pulumi_type}::{res.name}"

    def provider_inputs(self, secret: Callable[[Any], Any]) -> dict[str, Any]:
        return {
            "authUrl": AUTH_URL,
            "domainName": "hdh",
            "insecure": "false",
            "password": secret("correct-horse-battery-staple"),
            "region": QUALIFIED_REGION,
            "tenantName": "hdh-prod",
            "userName": "svc-pulumi-prod",
            "version": PROVIDER_VERSION,
        }

    def stack(self) -> dict[str, Any]:
        return {"urn": self.stack_urn, "custom": False, "type": "pulumi:pulumi:Stack"}

    def provider(self, secret: Callable[[Any], Any]) -> dict[str, Any]:
        return {
            "urn": self.provider_urn,
            "custom": True,
            "id": self.provider_id,
            "type": "pulumi:providers:openstack",
            "inputs": self.provider_inputs(secret),
            "outputs": self.provider_inputs(secret),
        }

    def component(self, space: int) -> dict[str, Any]:
        return {
            "urn": self.component_urn(space),
            "custom": False,
            "type": self.component_type,
            "parent": self.stack_urn,
        }

    def state(
        self, res: Res, secret: Callable[[Any], Any], *, planned: bool, old: bool = False
    ) -> dict[str, Any]:
        """A ResourceV3 object, fields in Go's declared order."""
        inputs = {"__defaults": [], **_props(arguments(res, planned=planned, old=old), secret, res.sensitive)}
        values = attributes(res, planned=planned, old=old)
        outputs = _props(values, secret, res.sensitive)
        state: dict[str, Any] = {"urn": self.urn(res), "custom": True}
        if values["id"] is not UNKNOWN:
            state["id"] = values["id"]
        state["type"] = res.pulumi_type
        state["inputs"] = inputs
        state["outputs"] = outputs
        state["parent"] = self.component_urn(res.space)
        if res.protect:
            state["protect"] = True
        prop_deps: dict[str, list[str]] = {}
        deps: list[str] = [self.component_urn(res.space)]
        for key, value in res.args.items():
            urns = sorted({self.urn(target) for target in _walk_refs(value)})
            prop_deps[_camel(key)] = urns
            deps.extend(u for u in urns if u not in deps)
        state["dependencies"] = deps[1:] or None
        if state["dependencies"] is None:
            del state["dependencies"]
        state["provider"] = self.provider_ref
        state["propertyDependencies"] = dict(sorted(prop_deps.items()))
        if not planned or values["id"] is not UNKNOWN:
            state["created"] = self.created
            state["modified"] = self.created
        return state


def pulumi_preview(estate: Estate, seed: int) -> dict[str, Any]:
    """`pulumi preview --json --show-sames`: a display.PreviewDigest, one step per resource."""
    p = Pulumi(seed)
    stack, provider = p.stack(), p.provider(_masked)
    provider["parent"] = p.stack_urn
    steps: list[dict[str, Any]] = [
        {"op": "same", "urn": p.stack_urn, "oldState": stack, "newState": stack, "detailedDiff": None},
        {
            "op": "same",
            "urn": p.provider_urn,
            "oldState": provider,
            "newState": provider,
            "detailedDiff": None,
        },
    ]
    summary: dict[str, int] = {"same": 2}
    seen: set[int] = set()
    for res in estate.resources:
        if res.space not in seen:
            seen.add(res.space)
            op = "create" if res.op == "create" else "same"
            component = p.component(res.space)
            step: dict[str, Any] = {"op": op, "urn": component["urn"]}
            if op == "same":
                step["oldState"] = component
            step["newState"] = component
            step["detailedDiff"] = None
            steps.append(step)
            summary[op] = summary.get(op, 0) + 1
        step = {"op": res.op, "urn": p.urn(res), "provider": p.provider_ref}
        if res.op != "create":
            step["oldState"] = p.state(res, _masked, planned=True, old=True)
        if res.op == "same":
            step["newState"] = step["oldState"]
        elif res.op != "delete":
            step["newState"] = p.state(res, _masked, planned=True)
        if res.op in ("update", "replace"):
            changed = sorted(_camel(k) for k in res.old)
            step["diffReasons"] = changed
            if res.op == "replace":
                step["replaceReasons"] = changed
            kind = "update-replace" if res.op == "replace" else "update"
            step["detailedDiff"] = {key: {"kind": kind, "inputDiff": False} for key in changed}
        else:
            step["detailedDiff"] = None
        steps.append(step)
        summary[res.op] = summary.get(res.op, 0) + 1
    return {
        "config": {
            "hdh:environment": STACK,
            "hdh:projectSpaces": str(len(seen)),
            "openstack:authUrl": AUTH_URL,
            "openstack:password": "[secret]",
            "openstack:region": QUALIFIED_REGION,
            "openstack:tenantName": "hdh-prod",
            "openstack:userName": "svc-pulumi-prod",
        },
        "steps": steps,
        "duration": 40_000_000_000 + 2_000_000 * len(steps),
        "changeSummary": dict(sorted(summary.items())),
    }


def pulumi_state(estate: Estate, seed: int) -> dict[str, Any]:
    """`pulumi stack export` (deployment v3) once the change is applied: deleted volumes are gone."""
    p = Pulumi(seed)
    rng = random.Random(seed + 2)

    def encrypt(value: Any) -> dict[str, str]:
        size = len(json.dumps(value)) + 16
        nonce = base64.b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()
        body = base64.b64encode(rng.getrandbits(8 * size).to_bytes(size, "big")).decode()
        return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": f"v1:{nonce}:{body}"}

    stack = p.stack() | {"outputs": {"projectSpaces": estate.counts["project_spaces"]}}
    resources: list[dict[str, Any]] = [stack, p.provider(encrypt)]
    for item in resources:
        item["created"] = item["modified"] = p.created
    seen: set[int] = set()
    for res in estate.resources:
        if res.space not in seen:
            seen.add(res.space)
            resources.append(p.component(res.space) | {"created": p.created, "modified": p.created})
        if res.op != "delete":
            resources.append(p.state(res, encrypt, planned=False))
    salt = base64.b64encode(rng.getrandbits(64).to_bytes(8, "big")).decode()
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": p.created,
                "magic": hashlib.sha256(p.created.encode()).hexdigest(),
                "version": PULUMI_VERSION,
            },
            "secrets_providers": {
                "type": "passphrase",
                "state": {"salt": f"v1:{salt}:v1:{salt[:8]}:{salt[8:]}"},
            },
            "resources": resources,
        },
    }


# --------------------------------------------------------------------------------------------------
# OpenTofu


def _flags(value: Any, flagged: Callable[[Any], bool]) -> Any:
    """Terraform's `*AsBool` shapes: objects keep only non-false entries, sequences keep every element."""
    if flagged(value):
        return True
    if isinstance(value, dict):
        out = {}
        for key, item in sorted(value.items()):
            flag = _flags(item, flagged)
            if flag is not False:
                out[key] = flag
        return out
    if isinstance(value, list):
        return [_flags(item, flagged) for item in value]
    return False


def _is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def _never(_: Any) -> bool:
    return False


def _known(value: Any) -> Any:
    """`after` omits what is unknown."""
    if isinstance(value, dict):
        return {k: _known(v) for k, v in sorted(value.items()) if v is not UNKNOWN}
    if isinstance(value, list):
        return [_known(v) for v in value if v is not UNKNOWN]
    return value


def _sensitive(values: dict[str, Any] | None, res: Res) -> Any:
    if values is None:
        return False
    out = {}
    for key, value in values.items():
        flag = True if key in res.sensitive and value is not None else _flags(value, _never)
        if flag is not False:
            out[key] = flag
    return out


def _tf_address(res: Res) -> tuple[str, str, str, Any]:
    module = f'module.space["ps-{res.space:04d}"]'
    local = res.tf_name
    base, _, index = local.partition("[")
    name = base.split(".", 1)[1]
    key: Any = None
    if index:
        raw = index.rstrip("]")
        key = json.loads(raw)
    return module, f"{module}.{local}", name, key


def _tf_values(res: Res, *, planned: bool, old: bool = False) -> dict[str, Any]:
    values = attributes(res, planned=planned, old=old)
    for key in res.nulls:
        values.setdefault(key, None)
    return dict(sorted(values.items()))


def _tf_resource(res: Res, values: dict[str, Any], with_depends: bool = False) -> dict[str, Any]:
    _, address, name, key = _tf_address(res)
    item: dict[str, Any] = {"address": address, "mode": "managed", "type": res.tf_type, "name": name}
    if key is not None:
        item["index"] = key
    item["provider_name"] = TF_PROVIDER
    item["schema_version"] = 1 if res.tf_type == "openstack_compute_instance_v2" else 0
    item["values"] = _known(values)
    item["sensitive_values"] = _sensitive(values, res)
    if with_depends:
        module = _tf_address(res)[0]
        deps = sorted({f"{module}.{t.tf_name.split('[', 1)[0]}" for t in _walk_refs(list(res.args.values()))})
        if deps:
            item["depends_on"] = deps
    return item


def _modules(items: list[tuple[Res, dict[str, Any]]]) -> dict[str, Any]:
    by_module: dict[str, list[dict[str, Any]]] = {}
    for res, item in items:
        by_module.setdefault(_tf_address(res)[0], []).append(item)
    children = [
        {"resources": sorted(resources, key=lambda r: r["address"]), "address": module}
        for module, resources in sorted(by_module.items())
    ]
    return {"child_modules": children}


def _expressions(res: Res) -> dict[str, Any]:
    def expr(key: str, value: Any) -> Any:
        if isinstance(value, Res):
            local = value.tf_name.split("[", 1)[0]
            return {"references": [f"{local}.id", local]}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [{k: expr(k, v) for k, v in item.items()} for item in value]
        if key in ("name", "description") or key.endswith("_pass") or key == "payload":
            return {
                "references": ["var.project_space", "each.key"]
                if key != "payload"
                else ["random_bytes.key.base64"]
            }
        if key in ("metadata", "tags"):
            return {"references": ["local.common_tags", "var.project_space"]}
        if key == "user_data":
            return {"references": ["local.cloud_init"]}
        return {"constant_value": value}

    return {k: expr(k, v) for k, v in sorted(res.args.items()) if k not in ("region", "admin_pass")}


def _configuration(estate: Estate) -> dict[str, Any]:
    """The `configuration` block: the provider and the project-space module, written once per resource."""
    examples: dict[str, Res] = {}
    for res in estate.resources:
        examples.setdefault(res.tf_name.split("[", 1)[0], res)
    resources = []
    for local, res in sorted(examples.items()):
        name = local.split(".", 1)[1]
        item: dict[str, Any] = {
            "address": local,
            "mode": "managed",
            "type": res.tf_type,
            "name": name,
            "provider_config_key": "openstack",
            "expressions": _expressions(res),
            "schema_version": 1 if res.tf_type == "openstack_compute_instance_v2" else 0,
        }
        if "[" in res.tf_name:
            if name == "rule":
                item["for_each_expression"] = {"references": ["local.rules"]}
            else:
                item["count_expression"] = {"constant_value": 4}
        resources.append(item)
    return {
        "provider_config": {
            "openstack": {
                "name": "openstack",
                "full_name": TF_PROVIDER,
                "version_constraint": "~> 3.0",
                "expressions": {
                    "auth_url": {"constant_value": AUTH_URL},
                    "domain_name": {"constant_value": "hdh"},
                    "region": {"constant_value": QUALIFIED_REGION},
                    "tenant_name": {"constant_value": "hdh-prod"},
                },
            }
        },
        "root_module": {
            "module_calls": {
                "space": {
                    "source": "./modules/project_space",
                    "for_each_expression": {"references": ["local.project_spaces"]},
                    "module": {
                        "resources": resources,
                        "variables": {"project_space": {"description": "Project space id, ps-NNNN"}},
                    },
                }
            },
            "variables": {"environment": {"default": "prod"}},
        },
    }


def tofu_plan(estate: Estate) -> dict[str, Any]:
    """`tofu show -json plan.out`: format 1.2, one line, prior state and configuration included."""
    planned: list[tuple[Res, dict[str, Any]]] = []
    prior: list[tuple[Res, dict[str, Any]]] = []
    changes: list[dict[str, Any]] = []
    for res in estate.resources:
        module, address, name, key = _tf_address(res)
        before = _tf_values(res, planned=True, old=True) if res.op != "create" else None
        after = _tf_values(res, planned=True) if res.op != "delete" else None
        if before is not None:
            prior.append((res, _tf_resource(res, before, with_depends=True)))
        if after is not None:
            planned.append((res, _tf_resource(res, after)))
        actions = {
            "same": ["no-op"],
            "create": ["create"],
            "update": ["update"],
            "replace": ["delete", "create"],
            "delete": ["delete"],
        }[res.op]
        change: dict[str, Any] = {
            "actions": actions,
            "before": _known(before) if before is not None else None,
            "after": _known(after) if after is not None else None,
            "after_unknown": _flags(after, _is_unknown) if after is not None else False,
            "before_sensitive": _sensitive(before, res),
            "after_sensitive": _sensitive(after, res),
        }
        if res.op == "replace":
            change["replace_paths"] = [[k] for k in sorted(res.old)]
        item: dict[str, Any] = {
            "address": address,
            "module_address": module,
            "mode": "managed",
            "type": res.tf_type,
        }
        item["name"] = name
        if key is not None:
            item["index"] = key
        item["provider_name"] = TF_PROVIDER
        item["change"] = change
        if res.op == "replace":
            item["action_reason"] = "replace_because_cannot_update"
        elif res.op == "delete":
            item["action_reason"] = "delete_because_count_index"
        changes.append(item)
    changes.sort(key=lambda c: c["address"])
    timestamp = "2026-11-22T09:14:03Z"
    return {
        "format_version": "1.2",
        "terraform_version": TOFU_VERSION,
        "variables": {"environment": {"value": "prod"}},
        "planned_values": {"root_module": _modules(planned)},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": TOFU_VERSION,
            "values": {"root_module": _modules(prior)},
        },
        "configuration": _configuration(estate),
        "timestamp": timestamp,
        "applyable": True,
        "complete": True,
        "errored": False,
    }


# --------------------------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def label(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else str(count)


def generate(count: int, out: Path, seed: int) -> dict[str, Any]:
    """Write the three files and the manifest for one size; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    name = label(count)
    files = {
        f"preview-{name}.json": lambda estate: _go_json(pulumi_preview(estate, seed), 4),
        f"state-{name}.json": lambda estate: _go_json(pulumi_state(estate, seed), 4),
        f"plan-{name}.json": lambda estate: _go_json(tofu_plan(estate), None),
    }
    manifest: dict[str, Any] = {"size": name, "seed": seed, "files": {}}
    for filename, render in files.items():
        estate = build_estate(count, seed)  # fresh: rendering resolves references in place
        text = render(estate)
        path = out / filename
        path.write_text(text + "\n", encoding="utf-8")
        manifest["files"][filename] = {"bytes": path.stat().st_size}
        manifest["counts"] = estate.counts
    (out / f"manifest-{name}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=list(DEFAULT_SIZES), help="resource counts: 10 1k 10k 100k"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    for size in args.sizes:
        started = time.perf_counter()
        manifest = generate(parse_size(size), args.out, args.seed)
        sizes = ", ".join(f"{k} {v['bytes'] / 1e6:.1f} MB" for k, v in manifest["files"].items())
        print(f"{manifest['size']}: {sizes} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
