"""An agency's minimal sovereign environment, composed from souverain's components."""

import pulumi
from agency_config import AgencyConfig
from souverain.components import (
    Bastion,
    EncryptedVolume,
    IsolatedNetwork,
    KeyManagement,
    Labels,
    ObjectStore,
    SovereignProvider,
)

from souverain.stackconfig import load_config, stack_catalog

catalog = stack_catalog()
config = load_config(AgencyConfig, context={"catalog": catalog})
labels = Labels(
    owner=config.owner, data_classification=config.data_classification, project=pulumi.get_project()
)
placement = {"labels": labels, "region": config.region}

provider = SovereignProvider("cloud", {**placement, "auth_url": config.auth_url}, catalog=catalog)
network = IsolatedNetwork(
    "env",
    {
        **placement,
        "tiers": {
            "admin": {"cidr": "10.0.0.0/24"},
            "app": {"cidr": "10.0.1.0/24"},
            "data": {"cidr": "10.0.2.0/24"},
        },
        "flows": [{"source": "app", "destination": "data", "protocol": "tcp", "port_min": 5432}],
        "dns_nameservers": config.dns_nameservers,
        "external_network": config.external_network,
    },
    provider=provider,
    catalog=catalog,
)
bastion = Bastion(
    "bastion",
    {
        **placement,
        "flavor_name": config.flavor,
        "image_name": config.image_name,
        "key_pair": config.key_pair,
        "admin_ranges": config.admin_ranges,
        "external_network": config.external_network,
    },
    network=network,
    provider=provider,
    catalog=catalog,
)
keys = KeyManagement("keys", {**placement, "keys": [{"name": "data"}]}, provider=provider, catalog=catalog)
volume = EncryptedVolume(
    "data", {**placement, "size": config.data_volume_size_gb}, provider=provider, catalog=catalog
)
store = ObjectStore("documents", placement, provider=provider, catalog=catalog)

pulumi.export("bastionIp", bastion.public_ip)
pulumi.export("networkIds", {tier: net.id for tier, net in network.networks.items()})
pulumi.export("keyRefs", keys.key_refs)
pulumi.export("volumeId", volume.volume.id)
pulumi.export("container", store.container_name)
