"""Event handlers and periodic jobs of the tenancy mechanism."""

from __future__ import annotations

from django.db import transaction

from marketplace.events.consumers import Event, every, handles
from tenants.provisioning import pool_refill


@handles(group="shop-provisioning", event_types=["shop.created"])
def refill_pool_after_shop_created(event: Event) -> None:
    # After commit: the refill runs its own short transactions, one per schema.
    transaction.on_commit(pool_refill)


@every(60, name="shop-schema-pool")
def refill_pool_periodically() -> None:
    pool_refill()
