"""Switching the connection's PostgreSQL schema (search_path), typed in one place."""

from __future__ import annotations

from typing import cast

from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper

from tenants.models import Shop


def _tenant_connection() -> DatabaseWrapper:
    return cast(DatabaseWrapper, connection)


def use_public_schema() -> None:
    _tenant_connection().set_schema_to_public()


def use_shop_schema(shop: Shop) -> None:
    _tenant_connection().set_tenant(shop)
