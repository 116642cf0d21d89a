"""The Health Data Hub's core on Scaleway (pulumiverse-scaleway): the same stack as ../main.tf.

One private network, a research workspace reached through the public gateway's SSH bastion, a managed
PostgreSQL for the SNDS extracts, an object storage bucket; data stores protected (production).
"""

import json
from pathlib import Path

import pulumi
import pulumiverse_scaleway as scaleway

config = pulumi.Config()
admin_ranges = json.loads(config.get("adminRanges") or '["203.0.113.0/24"]')
db_admin_password = config.require_secret("dbAdminPassword")
keep = pulumi.ResourceOptions(protect=True)

vpc = scaleway.network.Vpc("hdh", name="hdh", tags=["hdh", "classification=health-data"])
network = scaleway.network.PrivateNetwork(
    "hdh", name="hdh-core", vpc_id=vpc.id, ipv4_subnet={"subnet": "10.20.0.0/22"}
)

gateway_ip = scaleway.network.PublicGatewayIp("gateway")
gateway = scaleway.network.PublicGateway(
    "gateway",
    name="hdh-gateway",
    type="VPC-GW-S",
    ip_id=gateway_ip.id,
    bastion_enabled=True,
    bastion_port=61000,
    allowed_ip_ranges=admin_ranges,
)
scaleway.network.GatewayNetwork(
    "hdh",
    gateway_id=gateway.id,
    private_network_id=network.id,
    enable_masquerade=True,
    ipam_configs=[{"push_default_route": True}],
)

workspace_group = scaleway.instance.SecurityGroup(
    "workspace",
    name="hdh-workspace",
    inbound_default_policy="drop",
    outbound_default_policy="accept",
    stateful=True,
    inbound_rules=[{"action": "accept", "protocol": "TCP", "port": 22, "ip_range": "10.20.0.0/22"}],
)
scaleway.instance.Server(
    "workspace",
    name="hdh-workspace-0042",
    type="PRO2-S",
    image="ubuntu_noble",
    security_group_id=workspace_group.id,
    tags=["hdh", "project=0042"],
    root_volume={"volume_type": "sbs_volume", "size_in_gb": 40},
    private_networks=[{"pn_id": network.id}],
    user_data={"cloud-init": (Path(__file__).parent.parent / "cloud-init.yaml").read_text(encoding="utf-8")},
)

snds = scaleway.databases.Instance(
    "snds",
    name="hdh-snds",
    engine="PostgreSQL-16",
    node_type="DB-PRO2-XS",
    is_ha_cluster=True,
    disable_backup=False,
    backup_schedule_frequency=24,
    backup_schedule_retention=14,
    encryption_at_rest=True,
    user_name="hdh_admin",
    password=db_admin_password,
    private_network={"pn_id": network.id, "enable_ipam": True},
    opts=keep,
)
scaleway.databases.Database("snds", instance_id=snds.id, name="snds", opts=keep)

extracts = scaleway.object.Bucket(
    "extracts", name="hdh-snds-extracts", versioning={"enabled": True}, opts=keep
)
scaleway.object.BucketAcl("extracts", bucket=extracts.id, acl="private")

password_secret = scaleway.secrets.Secret("db-admin-password", name="snds-admin-password", opts=keep)
scaleway.secrets.Version("db-admin-password", secret_id=password_secret.id, data=db_admin_password, opts=keep)
