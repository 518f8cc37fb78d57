"""Base schemas for API input."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class InputSchema(Schema):
    """Every write schema: unknown fields are an error (no mass assignment of `is_staff`,
    `role`, `shop`, ...)."""

    model_config = ConfigDict(extra="forbid")
