"""The seller dashboard under /sell/<slug>/: every view checks membership of that shop."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from sellers.catalog.models import Product
from sellers.catalog.selectors import products_for_dashboard
from sellers.catalog.services import product_create
from sellers.forms import ProductForm
from tenants.selectors import access_shop_membership, memberships_of

View = Callable[..., HttpResponse]


def shop_member_required(view: View) -> View:
    """Anonymous visitors go to sign in; signed-in non-members get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.membership = access_shop_membership(  # type: ignore[attr-defined]
            user=request.user,  # type: ignore[arg-type]
            shop=request.shop,  # type: ignore[attr-defined]
        )
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@login_required
def my_shops(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_of(user=request.user))  # type: ignore[arg-type]
    if len(memberships) == 1:
        return redirect("sellers:dashboard", shop_slug=memberships[0].shop.slug)
    return TemplateResponse(request, "sellers/my_shops.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
@shop_member_required
def dashboard(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(shop=shop, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"“{product.title}” was added.")
            if not request.htmx:  # type: ignore[attr-defined]
                return redirect("sellers:dashboard", shop_slug=shop.slug)
            form = ProductForm()
    status = request.GET.get("status") or None
    if status not in Product.Status.values:
        status = None
    context = {
        "shop": shop,
        "form": form,
        "status": status,
        "statuses": Product.Status.choices,
        **paginate(request, products_for_dashboard(status=status), per_page=25),
    }
    template = "sellers/dashboard.html"
    if request.htmx and request.htmx.target == "dashboard-main":  # type: ignore[attr-defined]
        template = "sellers/partials/dashboard_main.html"
    status_code = 422 if request.method == "POST" and form.errors else 200
    return TemplateResponse(request, template, context, status=status_code)
