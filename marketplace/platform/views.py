"""Platform admin pages under /platform/: staff users only (anonymous → sign in, others → 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from marketplace.platform.forms import SuspendForm
from tenants.models import Shop
from tenants.selectors import shop_get_by_slug, shops_for_platform
from tenants.services import (
    check_platform_admin,
    shop_reinstate,
    shop_set_featured,
    shop_suspend,
)

View = Callable[..., HttpResponse]


def platform_admin_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        check_platform_admin(request.user)  # type: ignore[arg-type]
        return view(request, *args, **kwargs)

    return wrapper


def _shop(shop_slug: str) -> Shop:
    shop = shop_get_by_slug(slug=shop_slug)
    if shop is None:
        raise Http404("No such shop")
    return shop


@require_GET
@platform_admin_required
def index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "platform/index.html")


@require_GET
@platform_admin_required
def shops(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    status = request.GET.get("status") or None
    if status not in Shop.Status.values:
        status = None
    context = {
        "query": query,
        "status": status,
        "statuses": Shop.Status.choices,
        **paginate(request, shops_for_platform(query=query, status=status), per_page=25),
    }
    return TemplateResponse(request, "platform/shops.html", context)


def _detail(
    request: HttpRequest, shop: Shop, *, form: SuspendForm | None = None, status: int = 200
) -> HttpResponse:
    context = {"shop": shop, "form": form or SuspendForm()}
    return TemplateResponse(request, "platform/shop_detail.html", context, status=status)


@require_GET
@platform_admin_required
def shop_detail(request: HttpRequest, shop_slug: str) -> HttpResponse:
    return _detail(request, _shop(shop_slug))


@require_http_methods(["POST"])
@platform_admin_required
def shop_suspend_view(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = _shop(shop_slug)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            shop = shop_suspend(shop=shop, reason=form.cleaned_data["reason"], by=request.user)  # type: ignore[arg-type]
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"{shop.name} is suspended.")
            return redirect("platform:shop", shop_slug=shop.slug)
    return _detail(request, shop, form=form, status=422)


@require_POST
@platform_admin_required
def shop_reinstate_view(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = _shop(shop_slug)
    try:
        shop = shop_reinstate(shop=shop, by=request.user)  # type: ignore[arg-type]
    except ApplicationError as error:
        messages.error(request, error.message)
        return _detail(request, shop, status=error.status)
    messages.success(request, f"{shop.name} is reinstated.")
    return redirect("platform:shop", shop_slug=shop.slug)


@require_POST
@platform_admin_required
def shop_feature_view(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Feature the shop on the homepage (`featured=1`) or stop (`featured=0`). The
    homepage caches its sections for a minute, so it may take that long to show."""
    shop = _shop(shop_slug)
    featured = request.POST.get("featured")
    if featured not in ("0", "1"):
        messages.error(request, "Choose whether to feature the shop.")
        return _detail(request, shop, status=400)
    shop = shop_set_featured(shop=shop, featured=featured == "1", by=request.user)  # type: ignore[arg-type]
    if shop.is_featured:
        messages.success(request, f"{shop.name} is featured on the homepage.")
    else:
        messages.success(request, f"{shop.name} is no longer featured.")
    return redirect("platform:shop", shop_slug=shop.slug)
