"""souverain: sovereign infrastructure as code, and the policy checks that keep it sovereign."""

__version__ = "0.1.0"
