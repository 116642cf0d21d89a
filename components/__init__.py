"""Pulumi components for sovereign OpenStack environments, compliant by construction.

Each component validates its arguments (a pydantic model) against the sovereignty catalog before it
registers anything, creates its children on a qualified region, and labels every child with its owner,
data classification and project. See docs/components.md.
"""

from __future__ import annotations

from ._common import ComponentRefusedError, Labels
from .bastion import Bastion, BastionArgs
from .entry import Backend, PublicEntry, PublicEntryArgs
from .keys import KeyManagement, KeyManagementArgs, KeySpec
from .network import Flow, IsolatedNetwork, IsolatedNetworkArgs, Tier
from .provider import SovereignProvider, SovereignProviderArgs
from .research import ResearchProjectSpace, ResearchProjectSpaceArgs
from .storage import EncryptedVolume, EncryptedVolumeArgs, ObjectStore, ObjectStoreArgs

__all__ = [
    "Backend",
    "Bastion",
    "BastionArgs",
    "ComponentRefusedError",
    "EncryptedVolume",
    "EncryptedVolumeArgs",
    "Flow",
    "IsolatedNetwork",
    "IsolatedNetworkArgs",
    "KeyManagement",
    "KeyManagementArgs",
    "KeySpec",
    "Labels",
    "ObjectStore",
    "ObjectStoreArgs",
    "PublicEntry",
    "PublicEntryArgs",
    "ResearchProjectSpace",
    "ResearchProjectSpaceArgs",
    "SovereignProvider",
    "SovereignProviderArgs",
    "Tier",
]
