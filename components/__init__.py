"""Pulumi components for sovereign OpenStack environments, compliant by construction."""
