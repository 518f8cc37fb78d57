"""Platform-funded promotions: /api/v1/platform/promotions, platform admins only.

Same rule fields as a shop's discount, plus `shop` (a shop's address; null: every shop).
The platform pays for them: priced lines name `funded_by: "platform"`. Everyone but
platform admins gets 403 `permission_denied` (anonymous: 401).
"""

# No `from __future__ import annotations` (django-ninja and @paginate, see seller_api.py).

from typing import Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Status
from ninja.pagination import paginate

from marketplace.api.auth import authenticated, request_user
from marketplace.api.pagination import PageNumber
from marketplace.errors import ApplicationError
from sellers.discount_api import RuleIn, RuleOut
from sellers.promotions.models import PlatformPromotion
from sellers.promotions.selectors import promotion_get, promotions_for_platform
from sellers.promotions.services import promotion_create, promotion_delete, promotion_update
from tenants.models import Shop
from tenants.selectors import shop_get_by_slug
from tenants.services import check_platform_admin

router = Router(tags=["platform promotions"])

PROMOTIONS = "/platform/promotions"


class PromotionIn(RuleIn):
    shop: str | None = Field(None, description="A shop's address; null: every shop")


class PromotionUpdateIn(PromotionIn):
    version: int | None = None


class PromotionOut(RuleOut):
    shop: str | None

    @staticmethod
    def resolve_shop(promotion: PlatformPromotion) -> str | None:
        return promotion.shop.slug if promotion.shop else None

    @staticmethod
    def resolve_funded_by(promotion: PlatformPromotion) -> str:
        return "platform"


def _admin(request: HttpRequest) -> None:
    check_platform_admin(request_user(request))


def _shop(slug: str | None) -> Shop | None:
    if not slug:
        return None
    shop = shop_get_by_slug(slug=slug)
    if shop is None:
        raise ApplicationError("No shop has this address.", field="shop")
    return shop


def _promotion(promotion_id: int) -> PlatformPromotion:
    promotion = promotion_get(promotion_id=promotion_id)
    if promotion is None:
        raise Http404("No such promotion.")
    return promotion


@router.get(PROMOTIONS, response=list[PromotionOut], auth=authenticated)
@paginate(PageNumber)
def promotions_list(
    request: HttpRequest,
    status: Literal["draft", "scheduled", "active", "expired"] | None = None,
) -> QuerySet[PlatformPromotion]:
    _admin(request)
    return promotions_for_platform(status=status)


@router.post(PROMOTIONS, response={201: PromotionOut}, auth=authenticated)
def promotions_create(request: HttpRequest, payload: PromotionIn) -> Status:
    """Create a promotion; listings follow within seconds, and at its start and end."""
    _admin(request)
    promotion = promotion_create(
        by=request_user(request), data=payload.rule_input(), shop=_shop(payload.shop)
    )
    return Status(201, _promotion(promotion.id))


@router.get(PROMOTIONS + "/{promotion_id}", response=PromotionOut, auth=authenticated)
def promotions_detail(request: HttpRequest, promotion_id: int) -> PlatformPromotion:
    _admin(request)
    return _promotion(promotion_id)


@router.put(PROMOTIONS + "/{promotion_id}", response=PromotionOut, auth=authenticated)
def promotions_replace(
    request: HttpRequest, promotion_id: int, payload: PromotionUpdateIn
) -> PlatformPromotion:
    _admin(request)
    promotion_update(
        by=request_user(request),
        promotion_id=promotion_id,
        data=payload.rule_input(),
        shop=_shop(payload.shop),
        version=payload.version,
    )
    return _promotion(promotion_id)


@router.delete(PROMOTIONS + "/{promotion_id}", response={204: None}, auth=authenticated)
def promotions_delete(request: HttpRequest, promotion_id: int) -> Status:
    _admin(request)
    promotion_delete(by=request_user(request), promotion_id=promotion_id)
    return Status(204, None)
