"""Discounts in the seller dashboard: /sell/<slug>/discounts/.

Every member sees the list (`view_dashboard`); owners and managers create, edit and
delete (`manage_discounts`). Forms work as plain posts (redirect on success, 422 with
the messages in place) and with htmx (the form swaps itself; success redirects the page).
The product picker searches without JavaScript too: its "Find" button posts the form
back with the matches and keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from sellers.discounts.forms import IdListField, RuleForm, rule_initial
from sellers.discounts.models import Discount, RuleStatus
from sellers.discounts.selectors import discount_get, discounts_for_dashboard, product_picker
from sellers.discounts.services import discount_create, discount_delete, discount_update
from sellers.views import dashboard_context, denied, shop_view
from tenants.permissions import ShopAction

PER_PAGE = 25
FIND_PRODUCTS = "find_products"


def _list_url(shop_slug: str) -> str:
    return reverse("sellers:discounts", kwargs={"shop_slug": shop_slug})


def _discount_or_404(discount_id: int) -> Discount:
    discount = discount_get(discount_id=discount_id)
    if discount is None:
        raise Http404("No such discount in this shop.")
    return discount


def _ids(request: HttpRequest, name: str) -> list[int]:
    try:
        return IdListField().to_python(request.GET.getlist(name) or request.POST.getlist(name))
    except ValidationError:
        return []  # the form reports it at the field


@require_GET
@shop_view(read=ShopAction.VIEW_DASHBOARD)
def discounts(request: HttpRequest, shop_slug: str) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in RuleStatus.values:
        status = None
    context = dashboard_context(
        request,
        status=status,
        statuses=RuleStatus.choices,
        **paginate(request, discounts_for_dashboard(status=status), per_page=PER_PAGE),
    )
    template = "sellers/discounts/list.html"
    if request.htmx and request.htmx.target == "discounts-main":  # type: ignore[attr-defined]
        template = "sellers/discounts/partials/list_main.html"
    return TemplateResponse(request, template, context)


def _form_page(
    request: HttpRequest,
    *,
    form: RuleForm,
    discount: Discount | None,
    status: int = 200,
    query: str = "",
) -> HttpResponse:
    product_ids: list[int] = []
    variant_ids: list[int] = []
    if form.is_bound:
        product_ids = _ids(request, "product_ids")
        variant_ids = _ids(request, "variant_ids")
    elif discount is not None:
        product_ids, variant_ids = discount.product_ids, discount.variant_ids
    context = dashboard_context(
        request,
        form=form,
        discount=discount,
        picker=product_picker(query=query, product_ids=product_ids, variant_ids=variant_ids),
        picker_url=reverse(
            "sellers:discount_product_picker",
            kwargs={"shop_slug": request.shop.slug},  # type: ignore[attr-defined]
        ),
    )
    template = "sellers/discounts/form.html"
    if request.htmx and request.htmx.target == "discount-form":  # type: ignore[attr-defined]
        template = "sellers/discounts/partials/form.html"
    return TemplateResponse(request, template, context, status=status)


def _saved(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    url = _list_url(request.shop.slug)  # type: ignore[attr-defined]
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _submit(request: HttpRequest, *, discount: Discount | None) -> HttpResponse:
    """Handle a POST of the form: a product search (200, nothing saved), a save
    (redirect), or the form again with the messages (422; 409 when someone saved the
    discount meanwhile). 403 and 404 from the service propagate."""
    form = RuleForm(request.POST)
    query = request.POST.get("product_query", "")
    if FIND_PRODUCTS in request.POST:
        form.is_valid()  # bind the values to show them again; nothing is saved
        form.errors.clear()
        return _form_page(request, form=form, discount=discount, query=query)
    status = 422
    if form.is_valid():
        shop = request.shop  # type: ignore[attr-defined]
        member = request.membership  # type: ignore[attr-defined]
        try:
            if discount is None:
                created = discount_create(shop=shop, actor=member, data=form.rule_input())
                return _saved(request, f"“{created.name}” was created.")
            updated = discount_update(
                shop=shop,
                actor=member,
                discount_id=discount.id,
                data=form.rule_input(),
                version=form.cleaned_data["version"],
            )
            return _saved(request, f"“{updated.name}” was saved.")
        except ApplicationError as error:
            if error.status in (403, 404):
                raise
            form.add_service_error(error)
            status = 409 if error.code == "conflict" else 422
    return _form_page(request, form=form, discount=discount, status=status, query=query)


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.MANAGE_DISCOUNTS, write=ShopAction.MANAGE_DISCOUNTS)
def discount_new(request: HttpRequest, shop_slug: str) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, form=RuleForm(), discount=None)
    try:
        return _submit(request, discount=None)
    except ApplicationError as error:
        return denied(request, error)


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.MANAGE_DISCOUNTS, write=ShopAction.MANAGE_DISCOUNTS)
def discount_edit(request: HttpRequest, shop_slug: str, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    if request.method == "GET":
        return _form_page(request, form=RuleForm(initial=rule_initial(discount)), discount=discount)
    try:
        return _submit(request, discount=discount)
    except ApplicationError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        return denied(request, error)


@require_POST
@shop_view(write=ShopAction.MANAGE_DISCOUNTS)
def discount_delete_view(request: HttpRequest, shop_slug: str, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    try:
        discount_delete(
            shop=request.shop,  # type: ignore[attr-defined]
            actor=request.membership,  # type: ignore[attr-defined]
            discount_id=discount.id,
        )
    except ApplicationError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        return denied(request, error)
    return _saved(request, f"“{discount.name}” was deleted.")


@require_GET
@shop_view(read=ShopAction.MANAGE_DISCOUNTS)
def discount_product_picker(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """The picker alone (htmx): chosen products ticked, then the matches of `q`."""
    context: dict[str, Any] = {
        "picker": product_picker(
            query=request.GET.get("product_query", ""),
            product_ids=_ids(request, "product_ids"),
            variant_ids=_ids(request, "variant_ids"),
        ),
    }
    return TemplateResponse(request, "sellers/discounts/partials/picker_results.html", context)
