"""Shop schema provisioning: a migrated template schema and a warm pool of its clones.

Creating a shop renames a pooled schema (milliseconds) instead of running migrations;
when the pool is empty it clones the template directly. The worker refills the pool
after each shop is created (event `shop.created`) and on start.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from tenants.models import PooledSchema
from tenants.schemas import use_public_schema

logger = logging.getLogger(__name__)

POOL_PREFIX = "pool_"
# Arbitrary constant for pg_advisory_xact_lock: one pool refill at a time.
_POOL_REFILL_LOCK = 7_041_100


def template_prepare(*, verbosity: int = 0) -> None:
    """Create the template schema if needed and apply every pending tenant migration."""
    template = settings.SHOP_TEMPLATE_SCHEMA
    with connection.cursor() as cursor:
        if not schema_exists(template):
            cursor.execute(f'CREATE SCHEMA "{template}"')
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=template,
        interactive=False,
        verbosity=verbosity,
    )
    use_public_schema()
    # django-tenants' clone_schema() re-creates this large SQL function on every call;
    # creating it once here lets us call it directly (and avoids concurrent
    # CREATE OR REPLACE FUNCTION conflicts between two provisioning transactions).
    CloneSchema()._create_clone_schema_function()


def template_fingerprint() -> str:
    """A digest of the tenant migrations the template schema carries."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT app, name FROM "{settings.SHOP_TEMPLATE_SCHEMA}".django_migrations '
            "ORDER BY app, name"
        )
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _clone_template(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT clone_schema(%s, %s, 'DATA')", [settings.SHOP_TEMPLATE_SCHEMA, schema_name]
        )


def schema_provision(*, schema_name: str) -> None:
    """Make `schema_name` a ready shop schema: take one from the pool, or clone the template.

    Call inside the transaction that creates the Shop row, so a failure leaves neither.
    """
    use_public_schema()
    pooled = (
        PooledSchema.objects.select_for_update(skip_locked=True)
        .filter(template_fingerprint=template_fingerprint())
        .order_by("id")
        .first()
    )
    if pooled is None:
        _clone_template(schema_name)
        return
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{pooled.schema_name}" RENAME TO "{schema_name}"')
    pooled.delete()


def pool_refill(*, size: int | None = None) -> int:
    """Drop stale pooled schemas and clone the template until `size` are ready.

    Returns how many schemas were added. Safe to call from several processes: one
    refill runs at a time (a session advisory lock), the others return 0 at once.
    """
    target = settings.SHOP_SCHEMA_POOL_SIZE if size is None else size
    use_public_schema()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_POOL_REFILL_LOCK])
        (locked,) = cursor.fetchone()
    if not locked:
        return 0
    try:
        return _pool_refill_locked(target)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_POOL_REFILL_LOCK])


def _pool_refill_locked(target: int) -> int:
    fingerprint = template_fingerprint()
    for stale in PooledSchema.objects.exclude(template_fingerprint=fingerprint):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{stale.schema_name}" CASCADE')
            stale.delete()
    added = 0
    for _ in range(max(target - PooledSchema.objects.count(), 0)):
        # One transaction per schema: a shop being created can take it at once.
        with transaction.atomic():
            schema_name = f"{POOL_PREFIX}{uuid.uuid4().hex[:24]}"
            _clone_template(schema_name)
            PooledSchema.objects.create(schema_name=schema_name, template_fingerprint=fingerprint)
        added += 1
    if added:
        # Cloning reads the system catalogs, which grow with every schema; without fresh
        # statistics a clone slowed from ~70 ms to ~450 ms at 400 shops (docs/benchmarks.md).
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_depend, "
                "pg_catalog.pg_constraint, pg_catalog.pg_index, pg_catalog.pg_type, "
                "pg_catalog.pg_namespace"
            )
        logger.info("shop schema pool: added %s", added)
    return added
