"""What every component shares: labels, the qualified offer behind a region, and validation before creation.

Components validate their arguments with pydantic *before* `ComponentResource.__init__`, so a bad
configuration registers nothing at all, not even the component. Checks that need the sovereignty catalog
(is this region qualified, which volume types encrypt) read it from the pydantic validation context; a
model built by hand without that context checks its shape only, and the component validates it again with
the catalog.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, cast

import msgspec
import pulumi
import pulumi_openstack as openstack
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from souverain.catalog import Catalog, Offer, load_catalog
from souverain.validation import ComponentRefusedError as ComponentRefusedError
from souverain.validation import Problem, cidr, readable_errors

if TYPE_CHECKING:
    from .provider import SovereignProvider

PACKAGE = "openstack"
"""The Pulumi package the components create resources with: offers must be reached by it."""

SLUG = r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$|^[a-z0-9]$"
"""Names that go into resource names, tags and Swift containers: lowercase, digits, dashes."""

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Cidr = Annotated[IPNetwork, BeforeValidator(cidr)]
"""An IPv4 or IPv6 network in CIDR notation, host bits clear (`10.0.0.1/24` is refused, with the fix)."""


@contextmanager
def refusals(component: str, name: str) -> Iterator[None]:
    """Turns a validation failure, or a ValueError a component raises about its arguments, into a
    `ComponentRefusedError` naming the component instance. TypeErrors (wrong Python objects) pass
    unchanged."""
    try:
        yield
    except ComponentRefusedError:
        raise
    except ValidationError as exc:
        raise ComponentRefusedError(component, name, readable_errors(exc), exc) from None
    except ValueError as exc:
        raise ComponentRefusedError(component, name, [Problem((), str(exc))]) from None


class StrictModel(BaseModel):
    """Arguments are data: unknown keys are errors (a typo must not silently drop a safeguard)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(StrictModel):
    """Who owns a resource, how sensitive its data is, and which project it serves."""

    owner: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
    data_classification: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
    """`health`, `health-pseudonymised`, `internal`...: anything starting with `health` is health data."""
    project: str = Field(pattern=SLUG)

    @property
    def health_data(self) -> bool:
        """Health data needs an HDS-certified region and a key manager (the engine reads the same tag)."""
        return self.data_classification.startswith("health")

    def tags(self, tier: str | None = None) -> list[str]:
        """Neutron tags (`key=value` strings; Neutron limits a tag to 60 characters)."""
        return [f"{key}={value}" for key, value in self.metadata(tier).items()]

    def metadata(self, tier: str | None = None) -> dict[str, str]:
        """Nova, Cinder and Swift metadata; a `tier` (admin, app, data, research) groups previews."""
        labels = {
            "owner": self.owner,
            "data_classification": self.data_classification,
            "project": self.project,
        }
        if tier is not None:
            labels["tier"] = tier
        return labels

    def for_project(self, project: str) -> Labels:
        return self.model_copy(update={"project": project})


def qualified_offer(
    catalog: Catalog, region: str, offer_id: str | None, health_data: bool, on: date | None = None
) -> Offer:
    """The non-US offer that qualifies `region` (SecNumCloud, and HDS for health data), or ValueError.

    Several qualified offers listing one region name must be told apart with `offer_id`, unless they
    declare the same capabilities (then which one it is changes nothing a component creates).
    """
    candidates = catalog.offers_for_region(region)
    if offer_id is not None:
        if catalog.get(offer_id) is None:
            raise ValueError(f"offer {offer_id!r} is not in the sovereignty catalog")
        candidates = [offer for offer in candidates if offer.id == offer_id]
        if not candidates:
            raise ValueError(f"offer {offer_id!r} has no region {region!r}")
    if not candidates:
        raise ValueError(f"region {region!r} is not in the sovereignty catalog")
    candidates = [o for o in candidates if not o.packages.pulumi or PACKAGE in o.packages.pulumi]
    if not candidates:
        raise ValueError(f"region {region!r} belongs to no offer reached by the Pulumi `{PACKAGE}` package")
    not_us = [offer for offer in candidates if not offer.us_controlled]
    if not not_us:
        offer = candidates[0]
        raise ValueError(
            f"region {region!r} belongs to {offer.name}, operated by {offer.operator.entity} "
            f"({offer.operator.country}), a US-controlled offer"
        )
    qualified = [offer for offer in not_us if offer.region_qualified(region, "secnumcloud", on)]
    if not qualified:
        raise ValueError(f"region {region!r} is not SecNumCloud-qualified (in the sovereignty catalog)")
    if health_data:
        qualified = [offer for offer in qualified if offer.region_qualified(region, "hds", on)]
        if not qualified:
            raise ValueError(
                f"region {region!r} is not HDS-certified, and the data classification is health data"
            )
    if len({msgspec.structs.replace(offer.capabilities, source=None) for offer in qualified}) > 1:
        ids = ", ".join(offer.id for offer in qualified)
        raise ValueError(
            f"several qualified offers list region {region!r} ({ids}): set `offer` to one of them"
        )
    return qualified[0]


def context_catalog(info: ValidationInfo) -> Catalog | None:
    context = info.context
    if isinstance(context, Mapping):
        catalog = context.get("catalog")
        if isinstance(catalog, Catalog):
            return catalog
    return None


def context_value(info: ValidationInfo, key: str) -> Any:
    return info.context.get(key) if isinstance(info.context, Mapping) else None


def validated_offer(info: ValidationInfo, region: str | None = None) -> Offer | None:
    """The qualified offer of the model being validated, once `labels`, `offer` and `region` are valid.

    None without a catalog in context (shape-only validation) or when an earlier field failed. A
    `region` validator passes the region it is validating (not yet in `info.data`).
    """
    catalog = context_catalog(info)
    labels = info.data.get("labels")
    if region is None:
        region = info.data.get("region")
    if catalog is None or not isinstance(labels, Labels) or not isinstance(region, str):
        return None
    return qualified_offer(catalog, region, info.data.get("offer"), labels.health_data)


class PlacedArgs(StrictModel):
    """Labels and the region every child is created in; the region must be qualified in the catalog.

    Field order matters: `region` is validated after `labels` and `offer`, which it reads.
    """

    labels: Labels
    offer: str | None = None
    """Catalog offer id, when several qualified offers use the same region name."""
    region: str = Field(min_length=1)
    """The OpenStack region of every child (set on each, so the region checked is the region used)."""

    @field_validator("region")
    @classmethod
    def _region_is_qualified(cls, region: str, info: ValidationInfo) -> str:
        if validated_offer(info, region) is None:
            return region
        for key, what in (("provider_region", "the given provider"), ("network_region", "the network")):
            other = context_value(info, key)
            if isinstance(other, str) and other.casefold() != region.casefold():
                raise ValueError(f"region {region!r} differs from the region of {what} ({other!r})")
        return region


ArgsT = TypeVar("ArgsT", bound=PlacedArgs)


def as_secret(value: pulumi.Output[str]) -> pulumi.Output[str]:
    """`value` marked secret, whatever its origin, so state and previews only ever hold ciphertext."""
    secret: pulumi.Output[str] = pulumi.Output.secret(cast(Any, value))
    return secret


@cache
def default_catalog() -> Catalog:
    """The shipped catalog, read once per process."""
    return load_catalog()


ProviderArg = Union["SovereignProvider", openstack.Provider, None]
"""A `SovereignProvider`, an `openstack.Provider`, or None (the default provider, or one from `opts`)."""


def resolve_provider(provider: ProviderArg) -> tuple[openstack.Provider | None, str | None]:
    """The openstack.Provider to give children, and its region when the component knows it."""
    from .provider import SovereignProvider

    if provider is None:
        return None, None
    if isinstance(provider, SovereignProvider):
        return provider.provider, provider.region
    if isinstance(provider, openstack.Provider):
        return provider, None
    raise TypeError("provider must be a SovereignProvider or an openstack.Provider")


def validate_args(
    model: type[ArgsT],
    args: ArgsT | Mapping[str, Any],
    catalog: Catalog,
    provider_region: str | None = None,
    **context: Any,
) -> ArgsT:
    """`args` validated with the catalog in context (a model built without it is validated again)."""
    if isinstance(args, BaseModel):
        if not isinstance(args, model):
            raise TypeError(f"expected {model.__name__}, got {type(args).__name__}")
        data: Any = args.model_dump()
    else:
        data = args
    return model.model_validate(
        data, context={"catalog": catalog, "provider_region": provider_region, **context}
    )


class Placement:
    """What a validated component knows about where its children go; shared by the component classes."""

    def __init__(self, args: PlacedArgs, catalog: Catalog, provider: openstack.Provider | None) -> None:
        self.labels = args.labels
        self.region = args.region
        self.catalog = catalog
        self.offer = qualified_offer(catalog, args.region, args.offer, args.labels.health_data)
        self.provider = provider

    def opts(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        """Child options: parented to the component, on its provider (or the one inherited from opts)."""
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **extra)

    def data_opts(
        self, parent: pulumi.Resource, protect: bool, retain_on_delete: bool
    ) -> pulumi.ResourceOptions:
        return self.opts(parent, protect=protect, retain_on_delete=retain_on_delete)

    def child_args(self, **values: Any) -> dict[str, Any]:
        """Arguments for a child component on the same placement."""
        return {"labels": self.labels, "offer": self.offer.id, "region": self.region, **values}


def place_component(
    model: type[ArgsT],
    args: ArgsT | Mapping[str, Any],
    catalog: Catalog | None,
    provider: ProviderArg,
    *,
    inherited_provider: openstack.Provider | None = None,
    **context: Any,
) -> tuple[ArgsT, Placement]:
    """Every component constructor's preamble: the catalog, the provider, the validated args, the placement.

    Registers nothing, so a bad configuration creates nothing. `inherited_provider` is used when no
    `provider` is given (a component attached to a network takes the network's); `context` goes to
    the validators (see `validate_args`).
    """
    catalog = catalog or default_catalog()
    openstack_provider, provider_region = resolve_provider(provider)
    valid = validate_args(model, args, catalog, provider_region, **context)
    return valid, Placement(valid, catalog, openstack_provider or inherited_provider)


def default_deny_group(
    prefix: str, place: Placement, parent: pulumi.Resource, *, tier: str, description: str
) -> openstack.networking.SecGroup:
    """Security group `<prefix>-sg` without OpenStack's default rules: only the rules added to it apply."""
    return openstack.networking.SecGroup(
        f"{prefix}-sg",
        name=f"{prefix}-sg",
        description=description,
        delete_default_rules=True,
        tags=place.labels.tags(tier),
        region=place.region,
        opts=place.opts(parent),
    )


def floating_ip_on_port(
    name: str,
    place: Placement,
    parent: pulumi.Resource,
    *,
    pool: str,
    port_id: pulumi.Input[str],
    description: str,
    tags: Sequence[str],
) -> openstack.networking.FloatingIp:
    """Floating IP `<name>-fip` from `pool`, bound to `port_id`: the one public address of a bastion or an
    entry (`no-public-ingress` follows the association to the port)."""
    floating_ip = openstack.networking.FloatingIp(
        f"{name}-fip",
        pool=pool,
        description=description,
        tags=tags,
        region=place.region,
        opts=place.opts(parent),
    )
    openstack.networking.FloatingIpAssociate(
        f"{name}-fip",
        floating_ip=floating_ip.address,
        port_id=port_id,
        region=place.region,
        opts=place.opts(parent),
    )
    return floating_ip


def security_rule(
    resource_name: str,
    place: Placement,
    parent: pulumi.Resource,
    *,
    direction: str,
    group: openstack.networking.SecGroup,
    protocol: str,
    ports: tuple[int | None, int | None],
    description: str,
    remote_group: openstack.networking.SecGroup | None = None,
    remote_ip_prefix: str | None = None,
    ethertype: str = "IPv4",
) -> openstack.networking.SecGroupRule:
    """One rule of `group`, towards `remote_group` or `remote_ip_prefix`, on the component's placement."""
    low, high = ports
    return openstack.networking.SecGroupRule(
        resource_name,
        direction=direction,
        ethertype=ethertype,
        protocol=protocol,
        port_range_min=low,
        port_range_max=high,
        remote_group_id=remote_group.id if remote_group is not None else None,
        remote_ip_prefix=remote_ip_prefix,
        security_group_id=group.id,
        description=description,
        region=place.region,
        opts=place.opts(parent),
    )


_KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa",
    }
)
MIN_RSA_BITS = 3072
"""ANSSI's guide on cryptographic mechanisms asks for 3072-bit RSA moduli for use beyond 2030."""


def _ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    length = int.from_bytes(blob[offset : offset + 4], "big")
    end = offset + 4 + length
    if end > len(blob):
        raise ValueError("truncated")
    return blob[offset + 4 : end], end


def check_public_key(text: str) -> str:
    """An OpenSSH public key line of an accepted type (no DSA, RSA of 3072 bits or more)."""
    parts = text.strip().split()
    if len(parts) < 2 or parts[0] not in _KEY_TYPES:
        raise ValueError(f"not an OpenSSH public key of an accepted type ({', '.join(sorted(_KEY_TYPES))})")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        key_type, offset = _ssh_string(blob, 0)
        if key_type.decode() != parts[0]:
            raise ValueError("type mismatch")
        if parts[0] == "ssh-rsa":
            _, offset = _ssh_string(blob, offset)  # public exponent
            modulus, _ = _ssh_string(blob, offset)
            bits = int.from_bytes(modulus, "big").bit_length()
            if bits < MIN_RSA_BITS:
                raise OverflowError(bits)
    except OverflowError as exc:
        raise ValueError(
            f"RSA key of {exc.args[0]} bits: use ed25519 or RSA of {MIN_RSA_BITS} bits or more"
        ) from None
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValueError("the public key's base64 body is not a valid key of its declared type") from None
    return text.strip()


class ServerArgs(PlacedArgs):
    """An instance's image, flavor and SSH key. There is no password argument: keys only."""

    flavor_name: str = Field(min_length=1)
    image_name: str | None = None
    image_id: str | None = Field(default=None, validate_default=True)
    key_pair: str | None = None
    """Name of an existing Nova keypair..."""
    public_key: str | None = Field(default=None, validate_default=True)
    """...or an OpenSSH public key, for which a keypair is created. Exactly one of the two."""

    @field_validator("image_id")
    @classmethod
    def _one_image(cls, image_id: str | None, info: ValidationInfo) -> str | None:
        if (image_id is None) == (info.data.get("image_name") is None):
            raise ValueError("give exactly one of image_name and image_id")
        return image_id

    @field_validator("public_key")
    @classmethod
    def _one_key(cls, public_key: str | None, info: ValidationInfo) -> str | None:
        has_pair = info.data.get("key_pair") is not None
        if public_key is None and not has_pair:
            raise ValueError("an SSH key is required: give key_pair (an existing keypair) or public_key")
        if public_key is not None and has_pair:
            raise ValueError("give exactly one of key_pair and public_key")
        return check_public_key(public_key) if public_key is not None else None


SSHD_HARDENING = """\
# Managed by souverain: keys only, no root, short sessions, verbose logs for the audit trail.
PasswordAuthentication no
KbdInteractiveAuthentication no
ChallengeResponseAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
PermitEmptyPasswords no
AuthenticationMethods publickey
MaxAuthTries 3
LoginGraceTime 30
ClientAliveInterval 300
ClientAliveCountMax 2
X11Forwarding no
AllowAgentForwarding no
PermitTunnel no
LogLevel VERBOSE
"""

AUDIT_RULES = """\
# Managed by souverain: every command run in a session, and changes to SSH and sudo configuration.
-a always,exit -F arch=b64 -S execve -k session-commands
-a always,exit -F arch=b32 -S execve -k session-commands
-w /etc/ssh/sshd_config -p wa -k sshd-config
-w /etc/ssh/sshd_config.d/ -p wa -k sshd-config
-w /etc/sudoers -p wa -k sudoers
-w /etc/sudoers.d/ -p wa -k sudoers
"""


def hardened_user_data(role: str, *, allow_forwarding: bool) -> str:
    """cloud-init for a hardened host: SSH keys only, no root login, auditd and TTY session logging.

    `allow_forwarding` is for the bastion: `ssh -J` needs TCP forwarding, nothing else does. No secret
    ever goes in user data (Nova stores it in clear and serves it to the instance's metadata).
    """
    sshd = SSHD_HARDENING + f"AllowTcpForwarding {'yes' if allow_forwarding else 'no'}\n"
    document = {
        "ssh_pwauth": False,
        "disable_root": True,
        "package_update": True,
        "package_upgrade": True,
        "packages": ["auditd"],
        "write_files": [
            {"path": "/etc/ssh/sshd_config.d/00-souverain.conf", "permissions": "0600", "content": sshd},
            {"path": "/etc/audit/rules.d/50-souverain.rules", "permissions": "0600", "content": AUDIT_RULES},
            {
                "path": "/etc/souverain-role",
                "permissions": "0644",
                "content": f"{role}\n",
            },
        ],
        "runcmd": [
            [
                "sh",
                "-c",
                "grep -q pam_tty_audit /etc/pam.d/sshd || "
                "echo 'session required pam_tty_audit.so enable=*' >> /etc/pam.d/sshd",
            ],
            ["sh", "-c", "passwd -l root"],
            ["systemctl", "enable", "--now", "auditd"],
            ["augenrules", "--load"],
            ["sh", "-c", "systemctl restart ssh || systemctl restart sshd"],
        ],
    }
    return "#cloud-config\n" + yaml.safe_dump(document, sort_keys=False, width=200)


def hardened_server(
    name: str,
    valid: ServerArgs,
    place: Placement,
    parent: pulumi.Resource,
    *,
    tier: str,
    role: str,
    allow_forwarding: bool,
    network_id: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    security_group_ids: Sequence[pulumi.Input[str]],
) -> tuple[openstack.networking.Port, openstack.compute.Instance]:
    """A hardened instance (`hardened_user_data`) on its own port, with its keypair if given a public key.

    `tier` labels the port and instance; `role` and `allow_forwarding` go to the cloud-init document.
    """
    key_pair: pulumi.Input[str]
    if valid.public_key is not None:
        key_pair = openstack.compute.Keypair(
            f"{name}-key",
            name=f"{name}-key",
            public_key=valid.public_key,
            region=place.region,
            opts=place.opts(parent),
        ).name
    else:
        assert valid.key_pair is not None
        key_pair = valid.key_pair
    port = openstack.networking.Port(
        f"{name}-port",
        name=f"{name}-port",
        network_id=network_id,
        fixed_ips=[{"subnet_id": subnet_id}],
        port_security_enabled=True,
        security_group_ids=list(security_group_ids),
        admin_state_up=True,
        tags=place.labels.tags(tier),
        region=place.region,
        opts=place.opts(parent),
    )
    instance = openstack.compute.Instance(
        name,
        name=name,
        flavor_name=valid.flavor_name,
        image_name=valid.image_name,
        image_id=valid.image_id,
        key_pair=key_pair,
        networks=[{"port": port.id}],
        user_data=hardened_user_data(role, allow_forwarding=allow_forwarding),
        config_drive=True,
        metadata=place.labels.metadata(tier),
        region=place.region,
        opts=place.opts(parent),
    )
    return port, instance
