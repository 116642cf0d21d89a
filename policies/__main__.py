"""The CrossGuard policy pack: `pulumi preview --policy-pack policies` runs this file.

It only builds the pack; `souverain.crossguard` adapts the policies and `souverain.engine` decides. It
imports the installed `souverain.policies` package, never files beside it: the Pulumi CLI runs it with
this folder first on `sys.path`.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack
from souverain.policies import ALL_POLICIES

from souverain.crossguard import PACK_NAME, pack_policies

PolicyPack(
    name=PACK_NAME,
    policies=pack_policies(ALL_POLICIES),
    # Every policy sets its own level; this default only covers a policy that would not (fail closed).
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Sovereign hosting: SecNumCloud-qualified, HDS-certified regions, no US-controlled services.",
)
