"""The API root at /api/v1/: routers of every package, one error shape, OpenAPI docs."""

from __future__ import annotations

from ninja import NinjaAPI

from marketplace.accounts.api import router as accounts_router
from marketplace.api.errors import install_error_handlers
from marketplace.api.throttling import write_throttle
from realtime.api import router as notifications_router
from sellers.api import router as sellers_router
from sellers.discount_api import router as discounts_router
from sellers.promotions.api import router as promotions_router
from sellers.seller_api import router as seller_catalog_router
from storefront.follows.api import router as follows_router
from tenants.api import router as tenants_router

api = NinjaAPI(
    title="Marketplace API",
    version="1",
    description="Every shop, one cart. Errors always look like "
    '`{"detail": ..., "code": ...}`; lists are paginated with `page` and `page_size`. '
    "Sign in with `POST /api/v1/auth/token` and send `Authorization: Bearer <access>`.",
    urls_namespace="api",
    # Every write is rate-limited; the /auth/ endpoints set their own per-IP limit.
    throttle=[write_throttle],
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", tenants_router)
api.add_router("/", sellers_router)
api.add_router("/", seller_catalog_router)
api.add_router("/", discounts_router)
api.add_router("/", promotions_router)
api.add_router("/", follows_router)
api.add_router("/", notifications_router)
