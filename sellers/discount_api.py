"""A shop's discounts: /api/v1/shops/<slug>/discounts.

Every member reads (`view_dashboard`); owners and managers write (`manage_discounts`).
Non-members get 403 `permission_denied`, members whose role doesn't allow it 403
`role_not_allowed`, writes to a suspended shop 403 `shop_suspended`; an id that isn't
this shop's is 404. Times are ISO 8601 with an offset (a time without one is refused).
Invalid input is 400 with every faulty field: `{"detail": [{"field": "value",
"message": ...}], "code": "invalid"}`.
"""

# No `from __future__ import annotations`: django-ninja reads the signatures of
# @paginate-wrapped endpoints in the wrapper's module (see sellers/seller_api.py).

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from marketplace.api.auth import authenticated
from marketplace.api.pagination import PageNumber
from marketplace.api.schemas import InputSchema
from sellers.discounts.models import Discount
from sellers.discounts.rules import RuleInput
from sellers.discounts.selectors import discount_get, discounts_for_dashboard
from sellers.discounts.services import discount_create, discount_delete, discount_update
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.selectors import access_shop_action

router = Router(tags=["discounts"])

DISCOUNTS = "/shops/{shop_slug}/discounts"


class RuleIn(InputSchema):
    """A discount's rule. `value`: percent for `percentage` (0 < v ≤ 100), the amount
    off each item for `fixed_amount`, ignored for `free_shipping`. `code` null or left
    out: automatic. `starts_at` left out: now (on a PUT: unchanged); `ends_at` null:
    open-ended."""

    name: str
    kind: str = Field(..., description="percentage, fixed_amount or free_shipping")
    value: Decimal | None = None
    scope: str = Field("shop", description="shop, categories or products")
    category_ids: list[int] = Field([], description="For scope categories; sub-categories included")
    product_ids: list[int] = Field([], description="For scope products")
    variant_ids: list[int] = Field([], description="For scope products")
    code: str | None = None
    stacks_with_others: bool = Field(False, description="Only codes stack")
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    minimum_subtotal: Decimal | None = None
    is_draft: bool = False

    def rule_input(self) -> RuleInput:
        return RuleInput(
            name=self.name,
            kind=self.kind,
            value=self.value,
            scope=self.scope,
            category_ids=self.category_ids,
            product_ids=self.product_ids,
            variant_ids=self.variant_ids,
            code=self.code,
            stacks_with_others=self.stacks_with_others,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            usage_limit=self.usage_limit,
            per_customer_limit=self.per_customer_limit,
            minimum_subtotal=self.minimum_subtotal,
            is_draft=self.is_draft,
        )


class DiscountUpdateIn(RuleIn):
    """The whole discount again. `version`: the version you read; if someone saved
    since, the update is refused with 409 `conflict`. Left out: no check."""

    version: int | None = None


class RuleOut(Schema):
    """What discounts and platform promotions both show."""

    id: int
    name: str
    kind: str
    value: Decimal
    currency: str
    scope: str
    category_ids: list[int]
    product_ids: list[int]
    variant_ids: list[int]
    code: str | None
    stacks_with_others: bool
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    per_customer_limit: int | None
    minimum_subtotal: Decimal | None
    is_draft: bool
    status: str = Field(..., description="draft, scheduled, active or expired")
    times_used: int
    version: int
    funded_by: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_currency(rule: object) -> str:
        return settings.MARKETPLACE_CURRENCY


class DiscountOut(RuleOut):
    activated_at: datetime | None

    @staticmethod
    def resolve_funded_by(discount: Discount) -> str:
        return "seller"


def _shop(request: HttpRequest) -> Shop:
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    return shop


def _member(request: HttpRequest, action: ShopAction) -> Membership:
    return access_shop_action(user=request.user, shop=_shop(request), action=action)  # type: ignore[arg-type]


def _discount(discount_id: int) -> Discount:
    discount = discount_get(discount_id=discount_id)
    if discount is None:
        raise Http404("No such discount in this shop.")
    return discount


@router.get(DISCOUNTS, response=list[DiscountOut], auth=authenticated)
@paginate(PageNumber)
def discounts_list(
    request: HttpRequest,
    shop_slug: str,
    status: Literal["draft", "scheduled", "active", "expired"] | None = None,
) -> QuerySet[Discount]:
    """The shop's discounts, newest first, optionally of one status."""
    _member(request, ShopAction.VIEW_DASHBOARD)
    return discounts_for_dashboard(status=status)


@router.post(DISCOUNTS, response={201: DiscountOut}, auth=authenticated)
def discounts_create(request: HttpRequest, shop_slug: str, payload: RuleIn) -> Status:
    """Create a discount. One that starts now is active at once (listings show the sale
    price, followers are told); a later one starts by itself at `starts_at`."""
    member = _member(request, ShopAction.MANAGE_DISCOUNTS)
    discount = discount_create(shop=_shop(request), actor=member, data=payload.rule_input())
    return Status(201, _discount(discount.id))


@router.get(DISCOUNTS + "/{discount_id}", response=DiscountOut, auth=authenticated)
def discounts_detail(request: HttpRequest, shop_slug: str, discount_id: int) -> Discount:
    _member(request, ShopAction.VIEW_DASHBOARD)
    return _discount(discount_id)


@router.put(DISCOUNTS + "/{discount_id}", response=DiscountOut, auth=authenticated)
def discounts_replace(
    request: HttpRequest, shop_slug: str, discount_id: int, payload: DiscountUpdateIn
) -> Discount:
    """Replace every field (those left out take their defaults); the version goes up."""
    member = _member(request, ShopAction.MANAGE_DISCOUNTS)
    discount_update(
        shop=_shop(request),
        actor=member,
        discount_id=discount_id,
        data=payload.rule_input(),
        version=payload.version,
    )
    return _discount(discount_id)


@router.delete(DISCOUNTS + "/{discount_id}", response={204: None}, auth=authenticated)
def discounts_delete(request: HttpRequest, shop_slug: str, discount_id: int) -> Status:
    """Delete the discount; it stops at once, and if it had not started yet nobody is
    ever told about it."""
    member = _member(request, ShopAction.MANAGE_DISCOUNTS)
    discount_delete(shop=_shop(request), actor=member, discount_id=discount_id)
    return Status(204, None)
