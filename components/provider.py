"""SovereignProvider: an explicit OpenStack provider for a qualified offer's region and Keystone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, ValidationInfo, field_validator

from souverain.catalog import Catalog, host_matches

from ._common import (
    PlacedArgs,
    as_secret,
    place_component,
    refusals,
    validated_offer,
)


class SovereignProviderArgs(PlacedArgs):
    """Where and as whom the provider authenticates; credentials are not arguments (see the component)."""

    auth_url: str = Field(min_length=1)
    """The offer's Keystone URL. Required: without it the provider would read OS_AUTH_URL at apply time,
    which no review can check."""
    user_name: str | None = None
    tenant_name: str | None = None
    """The OpenStack project to work in."""
    user_domain_name: str | None = None
    project_domain_name: str | None = None
    application_credential_id: str | None = None

    @field_validator("auth_url")
    @classmethod
    def _keystone_of_the_offer(cls, auth_url: str, info: ValidationInfo) -> str:
        parts = urlsplit(auth_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("auth_url must be an https:// URL with a host")
        offer = validated_offer(info)
        if offer is None:
            return auth_url  # the region already failed, or no catalog to check against
        if not host_matches(parts.hostname, offer.endpoints.keystone):
            known = ", ".join(offer.endpoints.keystone) or "none listed"
            raise ValueError(
                f"host {parts.hostname!r} is not a Keystone endpoint of {offer.name} ({known}); "
                "declare a contract endpoint in a catalog overlay"
            )
        return auth_url


class SovereignProvider(pulumi.ComponentResource):
    """An `openstack.Provider` pinned to a qualified region and its offer's Keystone.

    Pass it as `provider=` to the other components. Secrets are never plain arguments: `password` and
    `application_credential_secret` must be `pulumi.Output`s (`config.require_secret(...)`), and are
    marked secret again here so they stay encrypted in state whatever their origin.
    """

    TYPE = "souverain:provider:SovereignProvider"

    provider: openstack.Provider
    region: str
    offer_id: str

    def __init__(
        self,
        name: str,
        args: SovereignProviderArgs | Mapping[str, Any],
        *,
        password: pulumi.Output[str] | None = None,
        application_credential_secret: pulumi.Output[str] | None = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        for field, value in (
            ("password", password),
            ("application_credential_secret", application_credential_secret),
        ):
            if value is not None and not isinstance(value, pulumi.Output):
                raise TypeError(
                    f"{field} must be a pulumi.Output (pulumi.Config().require_secret(...)), "
                    "never a plain value"
                )
        with refusals(self.TYPE, name):
            valid, placement = place_component(SovereignProviderArgs, args, catalog, None)
        super().__init__(self.TYPE, name, None, opts)
        self.region = valid.region
        self.offer_id = placement.offer.id
        self.provider = openstack.Provider(
            name,
            auth_url=valid.auth_url,
            region=valid.region,
            user_name=valid.user_name,
            tenant_name=valid.tenant_name,
            user_domain_name=valid.user_domain_name,
            project_domain_name=valid.project_domain_name,
            application_credential_id=valid.application_credential_id,
            password=as_secret(password) if password is not None else None,
            application_credential_secret=(
                as_secret(application_credential_secret)
                if application_credential_secret is not None
                else None
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"region": self.region, "offer": self.offer_id, "auth_url": valid.auth_url})
