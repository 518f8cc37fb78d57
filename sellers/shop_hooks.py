"""How the catalog follows changes of a shop's profile (registered at start-up:
tenants knows no domain, so it calls registered hooks instead of importing sellers)."""

from __future__ import annotations

from collections.abc import Collection

from sellers.catalog.services.listing import listings_rebuild
from tenants.models import Shop
from tenants.services import on_shop_profile_changed


@on_shop_profile_changed
def listings_follow_shop_name(*, shop: Shop, fields: Collection[str]) -> None:
    """A renamed shop's listings are found by its new name (the name is in their search
    text). Runs in the profile update's transaction."""
    if "name" in fields:
        listings_rebuild(shops=[shop])
