"""A discount became active: tell the shop's followers and whoever wished for what it
covers.

The `discount.activated` event (contract in sellers.discounts.services.activation_data)
may arrive late, twice, or after the discount changed. So the fan-out first asks the
shop's schema whether this version is still live, then notifies everyone in one INSERT
whose unique constraint (person, kind, "discount:<shop>:<discount>") makes each shopper
hear about a discount once — across redeliveries and across later versions of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse

from realtime.kinds import DISCOUNT_STARTED
from realtime.services import Delivery, notify
from storefront.follows.selectors import discount_audience
from tenants.models import Shop

logger = logging.getLogger(__name__)


class DiscountCheck(Protocol):
    """`sellers.discounts.selectors.discount_is_live`: is this version of the discount of
    that shop active now? False when it was edited (new version), deleted, made a draft,
    has ended, or the shop is suspended. Callable from any schema."""

    def __call__(self, *, shop_id: int, discount_id: int, version: int) -> bool: ...


def discount_dedupe_key(*, shop_id: int, discount_id: int) -> str:
    return f"discount:{shop_id}:{discount_id}"


def _offer(data: Mapping[str, Any]) -> str:
    kind = data.get("kind")
    if kind == "free_shipping":
        return "free shipping"
    try:
        value = Decimal(str(data.get("value")))
    except InvalidOperation:
        return "a discount"
    if kind == "percentage":
        return f"{value.normalize():f}% off"
    return f"{settings.MARKETPLACE_CURRENCY} {value:.2f} off"


def discount_message(*, shop: Shop, data: Mapping[str, Any]) -> tuple[str, str]:
    """The title and body shoppers read, from the event's data."""
    title = f"{shop.name}: {_offer(data)}"
    parts = [str(data.get("name") or "A new discount") + "."]
    if data.get("code"):
        parts.append(f"Use the code {data['code']} at checkout.")
    if data.get("scope") == "shop":
        parts.append("On everything in the shop.")
    return title, " ".join(parts)


def discount_activation_notify(
    *, data: Mapping[str, Any], discount_is_live: DiscountCheck | Callable[..., bool]
) -> Delivery | None:
    """Notify the audience of one activation. None when the shop is gone or the discount
    is no longer this live version (nothing stale is sent). Call inside a transaction
    (the Kafka handler's) so the notifications and the processed-event mark commit
    together; pushes follow the commit."""
    shop_id = int(data["shop_id"])
    discount_id = int(data["discount_id"])
    shop = Shop.objects.filter(id=shop_id).first()
    if shop is None:
        logger.info("discount %s of shop %s: the shop is gone", discount_id, shop_id)
        return None
    if not discount_is_live(shop_id=shop_id, discount_id=discount_id, version=int(data["version"])):
        logger.info(
            "discount %s v%s of shop %s is no longer live: nobody told",
            discount_id,
            data["version"],
            shop_id,
        )
        return None
    audience = discount_audience(shop_id=shop_id, product_ids=data.get("product_ids") or [])
    title, body = discount_message(shop=shop, data=data)
    return notify(
        recipients=audience,
        kind=DISCOUNT_STARTED,
        dedupe_key=discount_dedupe_key(shop_id=shop_id, discount_id=discount_id),
        title=title,
        body=body,
        url=reverse("storefront:shop", kwargs={"shop_slug": shop.slug}),
        data={
            "shop_id": shop_id,
            "shop_slug": shop.slug,
            "discount_id": discount_id,
            "activation": data.get("activation"),
            "code": data.get("code"),
            "ends_at": data.get("ends_at"),
        },
    )
