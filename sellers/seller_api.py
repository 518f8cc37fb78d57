"""Seller write endpoints under /api/v1/shops/<slug>/products."""

from ninja import Router

router = Router(tags=["seller catalog"])
