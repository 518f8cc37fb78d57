"""Shop endpoints: opening a shop, its staff."""

from ninja import Router

router = Router(tags=["shops"])
