"""Switching the connection's PostgreSQL schema (search_path), typed in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper
from django_tenants.utils import get_public_schema_name

from tenants.models import Shop


def _tenant_connection() -> DatabaseWrapper:
    return cast(DatabaseWrapper, connection)


def use_public_schema() -> None:
    wrapper = _tenant_connection()
    # Switching to the schema already selected would make django-tenants forget that the
    # search_path is set and send `SET search_path` again (TENANT_LIMIT_SET_CALLS).
    if wrapper.schema_name != get_public_schema_name():
        wrapper.set_schema_to_public()


def use_shop_schema(shop: Shop) -> None:
    wrapper = _tenant_connection()
    if wrapper.schema_name != shop.schema_name:
        wrapper.set_tenant(shop)


@contextmanager
def shop_schema(shop: Shop) -> Iterator[None]:
    """Run the block in `shop`'s schema, then return to the schema that was active.

    Unlike django-tenants' `tenant_context`, entering the schema that is already active
    (a request the routing middleware put there) sends nothing to the database.
    """
    wrapper = _tenant_connection()
    if wrapper.schema_name == shop.schema_name:
        yield
        return
    previous = getattr(wrapper, "tenant", None)
    wrapper.set_tenant(shop)
    try:
        yield
    finally:
        if previous is None or previous.schema_name == get_public_schema_name():
            wrapper.set_schema_to_public()
        else:
            wrapper.set_tenant(previous)
