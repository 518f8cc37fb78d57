"""Follow and wish buttons, and the "Following" pages. Thin: parse, call a service,
render the button (htmx) or go back to the page (plain POST)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from sellers.listings.models import Listing
from storefront.follows import services
from storefront.follows.selectors import (
    follows_of,
    product_is_wished,
    shop_is_followed,
    wished_listings,
)
from tenants.models import Shop

PER_PAGE = 24


def _back(request: HttpRequest, default: str) -> str:
    """Where a plain POST returns to: `next` if it is a page of this site, else `default`."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _sign_in_first(request: HttpRequest, page: str) -> HttpResponse:
    """Anonymous visitors sign in first and come back to the page the button was on."""
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(f"{reverse('accounts:login')}?{_next_query(page)}")
    return redirect_to_login(page)


def _next_query(page: str) -> str:
    query = QueryDict(mutable=True)
    query["next"] = page
    return query.urlencode()


def _wants(request: HttpRequest, *, on: str, off: str, currently: bool) -> bool:
    """The state the button asks for: its `action` field, or the opposite of now."""
    action = request.POST.get("action")
    if action == on:
        return True
    if action == off:
        return False
    return not currently


@require_POST
def follow_toggle(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    shop_page = reverse("storefront:shop", kwargs={"shop_slug": shop.slug})
    back = _back(request, shop_page)
    if not request.user.is_authenticated:
        return _sign_in_first(request, back)
    user: User = request.user  # type: ignore[assignment]
    following = shop_is_followed(user=user, shop=shop)
    status = 200
    error = ""
    try:
        if _wants(request, on="follow", off="unfollow", currently=following):
            services.follow_shop(user=user, shop=shop)
            following, note = True, f"You follow {shop.name}: you'll hear about its discounts."
        else:
            services.unfollow_shop(user=user, shop=shop)
            following, note = False, f"You no longer follow {shop.name}."
    except ApplicationError as exc:
        status, error, note = exc.status, exc.message, exc.message
    if request.htmx:  # type: ignore[attr-defined]
        context = {"shop": shop, "is_following": following, "next": back, "error": error}
        return TemplateResponse(
            request, "storefront/follows/follow_button.html", context, status=status
        )
    (messages.error if error else messages.success)(request, note)
    return redirect(back)


@require_POST
def wish_toggle(request: HttpRequest, shop_slug: str, product_slug: str) -> HttpResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    listing = Listing.objects.filter(shop=shop, slug=product_slug).first()
    if listing is None:
        raise Http404("No such product")
    product_page = reverse(
        "storefront:product", kwargs={"shop_slug": shop.slug, "product_slug": listing.slug}
    )
    back = _back(request, product_page)
    if not request.user.is_authenticated:
        return _sign_in_first(request, back)
    user: User = request.user  # type: ignore[assignment]
    wished = product_is_wished(user=user, shop=shop, product_id=listing.product_id)
    variant_id = _int_or_none(request.POST.get("variant_id"))
    status = 200
    error = ""
    try:
        if _wants(request, on="add", off="remove", currently=wished):
            services.wishlist_add(
                user=user, shop=shop, product_id=listing.product_id, variant_id=variant_id
            )
            wished, note = True, f"{listing.title} is on your wish list."
        else:
            services.wishlist_remove(user=user, shop=shop, product_id=listing.product_id)
            wished, note = False, f"{listing.title} is off your wish list."
    except ApplicationError as exc:
        status, error, note = exc.status, exc.message, exc.message
    if request.htmx:  # type: ignore[attr-defined]
        context = {
            "shop": shop,
            "product_slug": listing.slug,
            "product_title": listing.title,
            "is_wished": wished,
            "variant_id": variant_id,
            "next": back,
            "error": error,
        }
        return TemplateResponse(
            request, "storefront/follows/wish_button.html", context, status=status
        )
    (messages.error if error else messages.success)(request, note)
    return redirect(back)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _page(request: HttpRequest, *, tab: str, extra: dict[str, Any]) -> TemplateResponse:
    context = {"tab": tab, **extra}
    return TemplateResponse(request, "storefront/follows/following.html", context)


@require_GET
@login_required
@never_cache
def following_shops(request: HttpRequest) -> TemplateResponse:
    """The shops the signed-in person follows, newest follow first."""
    user: User = request.user  # type: ignore[assignment]
    return _page(
        request, tab="shops", extra=paginate(request, follows_of(user=user), per_page=PER_PAGE)
    )


@require_GET
@login_required
@never_cache
def following_wishlist(request: HttpRequest) -> TemplateResponse:
    """The wished products on sale now, most recently wished first."""
    user: User = request.user  # type: ignore[assignment]
    context = paginate(request, wished_listings(user=user), per_page=PER_PAGE)
    return _page(request, tab="wishlist", extra=context)
