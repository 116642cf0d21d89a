"""The Health Data Hub platform: its whole target environment, composed from souverain's components.

Every region comes from config (`openstack:region`, `health-data-hub:backupRegion`): nothing here names
one. The config is validated (hdh_config.py) before any resource is created, against the same catalog
(shipped + the contract overlay) that `souverain check` uses.
"""

from typing import Any

import pulumi
from hdh_config import HdhConfig
from souverain.components import (
    Bastion,
    EncryptedVolume,
    IsolatedNetwork,
    KeyManagement,
    Labels,
    ObjectStore,
    ResearchProjectSpace,
    SovereignProvider,
)

from souverain.stackconfig import load_config, stack_catalog

catalog = stack_catalog()
config = load_config(HdhConfig, context={"catalog": catalog})
labels = Labels(owner=config.owner, data_classification=config.data_classification, project="hdh-platform")


def placed(region: str, project_labels: Labels = labels, **values: Any) -> dict[str, Any]:
    return {"labels": project_labels, "region": region, **values}


# One explicit provider per region: a resource can only land where its provider points.
primary = SovereignProvider(
    "primary",
    placed(config.region, auth_url=config.auth_url, tenant_name=config.tenant_name),
    catalog=catalog,
)
backup = SovereignProvider(
    "backup",
    placed(
        config.backup_region,
        auth_url=config.backup_auth_url or config.auth_url,
        tenant_name=config.tenant_name,
    ),
    catalog=catalog,
)

network = IsolatedNetwork(
    "hdh",
    placed(
        config.region,
        tiers={tier: {"cidr": getattr(config.tiers, tier)} for tier in ("admin", "app", "data")},
        flows=[
            {"source": f.source, "destination": f.destination, "protocol": f.protocol, "port_min": f.port}
            for f in config.flows
        ],
        dns_nameservers=config.dns_nameservers,
        external_network=config.external_network,
    ),
    provider=primary,
    catalog=catalog,
)

bastion = Bastion(
    "bastion",
    placed(
        config.region,
        flavor_name=config.servers.bastion_flavor,
        image_name=config.servers.image_name,
        key_pair=config.servers.key_pair,
        admin_ranges=config.admin_ranges,
        external_network=config.external_network,
    ),
    network=network,
    provider=primary,
    catalog=catalog,
)

# The platform's data keys, generated inside Barbican; and, when the stack sets it (`pulumi config set
# --secret pseudonymisationSecret`), the SNDS pseudonymisation secret, kept there as a Barbican secret.
pseudonymisation = pulumi.Config().get_secret("pseudonymisationSecret")
secret_values = {"pseudonymisation": pseudonymisation} if pseudonymisation is not None else {}
keys = KeyManagement(
    "hdh-keys",
    placed(
        config.region,
        keys=[{"name": "snds"}, {"name": "exports"}],
        secrets=list(secret_values),
        readers=config.key_readers,
    ),
    secret_values=secret_values,
    provider=primary,
    catalog=catalog,
)

# The pseudonymised SNDS extracts: one encrypted volume each, protected and retained on delete.
extracts = {
    extract.name: EncryptedVolume(
        f"snds-{extract.name}",
        placed(config.region, size=extract.size_gb, description=f"pseudonymised SNDS extract {extract.name}"),
        provider=primary,
        catalog=catalog,
    )
    for extract in config.snds_extracts
}
exports_store = ObjectStore("hdh-exports", placed(config.region), provider=primary, catalog=catalog)

spaces = {
    project.name: ResearchProjectSpace(
        project.name,
        placed(
            config.region,
            labels.for_project(project.name),
            flavor_name=config.servers.research_flavor,
            image_name=config.servers.image_name,
            key_pair=config.servers.key_pair,
            cidr=project.cidr,
            volume_size=project.volume_size_gb,
            readers=project.readers,
        ),
        network=network,
        bastion=bastion,
        provider=primary,
        catalog=catalog,
    )
    for project in config.research_projects
}

# Backups replicate to a second qualified region, under their own key. The copy job (Swift container
# sync or a scheduled rclone on the bastion) is operated outside Pulumi; these are its targets.
backup_keys = KeyManagement(
    "hdh-backup-keys",
    placed(config.backup_region, keys=[{"name": "backup"}], readers=config.key_readers),
    provider=backup,
    catalog=catalog,
)
backup_store = ObjectStore("hdh-backup", placed(config.backup_region), provider=backup, catalog=catalog)

pulumi.export("region", config.region)
pulumi.export("backupRegion", config.backup_region)
pulumi.export("bastionIp", bastion.public_ip)
pulumi.export("networkIds", {tier: net.id for tier, net in network.networks.items()})
pulumi.export("subnetIds", {tier: subnet.id for tier, subnet in network.subnets.items()})
pulumi.export("sndsVolumeIds", {name: volume.volume.id for name, volume in extracts.items()})
pulumi.export(
    "researchSpaces",
    {
        name: {
            "cidr": str(space_config.cidr),
            "networkId": space.network.id,
            "instanceId": space.instance.id,
            "container": space.store.container_name,
        }
        for (name, space), space_config in zip(spaces.items(), config.research_projects, strict=True)
    },
)
pulumi.export("keyRefs", {**keys.key_refs, **{f"backup-{k}": v for k, v in backup_keys.key_refs.items()}})
pulumi.export("keyManager", keys.key_manager)
pulumi.export("containers", {"exports": exports_store.container_name, "backup": backup_store.container_name})
