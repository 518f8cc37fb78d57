"""Timestamps as JSON exports and API lists show them."""

from __future__ import annotations

from datetime import datetime


def isoformat_or_none(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
