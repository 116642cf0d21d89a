"""The souverain policies, one per module, and the CrossGuard pack that runs them (`__main__.py`).

`ALL_POLICIES` is the registry every entry point uses: `souverain check`, the policy pack, the tests.
"""

from __future__ import annotations

from souverain.policy import Policy

from . import (
    encrypted_storage,
    known_external_host,
    no_data_destruction,
    no_plaintext_secret,
    no_public_data,
    no_public_ingress,
    no_us_controlled,
    protected_data_store,
    qualified_endpoint,
    qualified_region,
    sovereign_state,
)

ALL_POLICIES: tuple[Policy, ...] = (
    qualified_region.POLICY,
    qualified_endpoint.POLICY,
    no_us_controlled.POLICY,
    no_public_ingress.POLICY,
    no_plaintext_secret.POLICY,
    encrypted_storage.POLICY,
    no_data_destruction.POLICY,
    protected_data_store.POLICY,
    sovereign_state.POLICY,
    no_public_data.POLICY,
    known_external_host.POLICY,
)

POLICIES_BY_ID: dict[str, Policy] = {policy.id: policy for policy in ALL_POLICIES}

__all__ = ["ALL_POLICIES", "POLICIES_BY_ID"]
