"""The dashboard's catalog pages: the product list with bulk actions, the product editor,
a product's stock page and the shop's low-stock list.

Every page works as plain GET/POST; with htmx, the request's target (`HX-Target`) picks
the partial to render instead of the whole page. Access goes through `shop_view`
(docs/permissions.md); the catalog services check the role again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from marketplace.errors import ApplicationError
from marketplace.media.images import image_url
from marketplace.pagination import paginate
from sellers.catalog.models import Product, Variant
from sellers.catalog.selectors import (
    category_tree,
    product_for_edit,
    product_with_variants,
    products_by_ids,
    products_for_dashboard,
    stock_movements_for,
    variant_get,
    variant_stock_levels,
    variants_low_stock,
)
from sellers.catalog.services import (
    product_create,
    product_update,
    products_delete,
    products_set_status,
    stock_adjust,
)
from sellers.product_forms import (
    BulkAction,
    ProductEditor,
    ProductFilterForm,
    QuickStockForm,
    StockAdjustForm,
    list_query,
)
from sellers.views import dashboard_context, denied, shop_view
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction

PER_PAGE = 25


def _shop(request: HttpRequest) -> Shop:
    return request.shop  # type: ignore[attr-defined,no-any-return]


def _actor(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _can(request: HttpRequest, action: ShopAction) -> bool:
    return bool(request.dashboard.can[action.value])  # type: ignore[attr-defined]


def _htmx_target(request: HttpRequest) -> str | None:
    htmx = getattr(request, "htmx", None)
    return htmx.target if htmx else None


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return dashboard_context(request, currency=settings.MARKETPLACE_CURRENCY, **extra)


def _list_url(shop: Shop, query: str = "") -> str:
    url = reverse("sellers:dashboard", kwargs={"shop_slug": shop.slug})
    return f"{url}?{query}" if query else url


# --- the product list ----------------------------------------------------------------------


@require_GET
@shop_view(read=ShopAction.VIEW_DASHBOARD)
def dashboard(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """The shop's products: search, filters, sort and pages in the URL (a GET form)."""
    filters = ProductFilterForm(request.GET, categories=category_tree())
    page = paginate(request, products_for_dashboard(**filters.filters()), per_page=PER_PAGE)
    products = list(page["page_obj"].object_list)
    for product in products:
        product.thumb_url = (
            image_url(name=product.first_image_name, size="thumb")
            if product.first_image_name
            else ""
        )
    page["page_obj"].object_list = products
    context = _context(request, filters=filters, list_query=list_query(request.GET), **page)
    template = {
        "product-list": "sellers/products/partials/list.html",
        "dashboard-main": "sellers/partials/dashboard_main.html",
    }.get(_htmx_target(request) or "", "sellers/dashboard.html")
    return TemplateResponse(request, template, context)


BULK_DONE = {
    "publish": "published",
    "unpublish": "moved to drafts",
    "archive": "archived",
    "delete": "deleted",
}


@require_POST
@shop_view(write=ShopAction.MANAGE_PRODUCTS)
def products_bulk(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Publish, unpublish, archive or delete the selected products. Deleting asks first
    (a page with the list and a confirm button, or that page's partial with htmx)."""
    shop = _shop(request)
    form = BulkAction(request.POST)
    back_query = list_query(request.POST.get("back", ""))
    back_url = _list_url(shop, back_query)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, str(first))
        return redirect(back_url)
    action = form.cleaned_data["action"]
    ids = form.cleaned_data["product"]
    if action == "delete" and not form.cleaned_data["confirm"]:
        products = list(products_by_ids(product_ids=ids))
        if not products:
            messages.error(request, "Those products are gone already.")
            return redirect(back_url)
        context = _context(request, products=products, back_url=back_url, back_query=back_query)
        template = (
            "sellers/products/partials/confirm_delete.html"
            if _htmx_target(request) == "product-list"
            else "sellers/products/confirm_delete.html"
        )
        return TemplateResponse(request, template, context)
    try:
        if action == "delete":
            count = products_delete(shop=shop, actor=_actor(request), product_ids=ids)
        else:
            status = BulkAction.ACTIONS[action][1]
            assert status is not None
            count = products_set_status(
                shop=shop, actor=_actor(request), product_ids=ids, status=status
            )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        messages.error(request, error.message)
        return redirect(back_url)
    if count:
        messages.success(
            request, f"{count} product{'s' if count != 1 else ''} {BULK_DONE[action]}."
        )
    else:
        messages.info(
            request, f"Nothing changed: the selected products were already {BULK_DONE[action]}."
        )
    return redirect(back_url)


# --- the product editor --------------------------------------------------------------------


def _editor_page(
    request: HttpRequest,
    editor: ProductEditor,
    *,
    product: Product | None,
    images: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(request, editor=editor, product=product, images=images or [])
    if _htmx_target(request) == "product-editor":
        template = "sellers/products/partials/editor.html"
    else:
        template = "sellers/products/edit.html"
    return TemplateResponse(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.MANAGE_PRODUCTS)
def product_new(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = _shop(request)
    editor = ProductEditor(
        request.POST if request.method == "POST" else None,
        categories=category_tree(),
        read_only=not _can(request, ShopAction.MANAGE_PRODUCTS),
    )
    status = 200
    if request.method == "POST" and not editor.adding_row:
        if editor.is_valid():
            try:
                product = product_create(shop=shop, actor=_actor(request), data=editor.to_input())
            except ApplicationError as error:
                if error.status == 403:
                    return denied(request, error)
                editor.add_service_error(error)
            else:
                messages.success(request, f"“{product.title}” was added.")
                url = reverse(
                    "sellers:product_edit",
                    kwargs={"shop_slug": shop.slug, "product_id": product.id},
                )
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        status = 422
    return _editor_page(request, editor, product=None, status=status)


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.MANAGE_PRODUCTS)
def product_edit(request: HttpRequest, shop_slug: str, product_id: int) -> HttpResponse:
    shop = _shop(request)
    product = product_for_edit(product_id=product_id)
    if product is None:
        raise Http404("No such product in this shop.")
    categories = category_tree()
    read_only = not _can(request, ShopAction.MANAGE_PRODUCTS)
    editor = ProductEditor(
        request.POST if request.method == "POST" else None,
        categories=categories,
        product=product,
        variants=list(product.variants.all()),
        read_only=read_only,
    )
    status = 200
    if request.method == "POST" and not editor.adding_row:
        if editor.is_valid():
            try:
                product_update(
                    shop=shop,
                    actor=_actor(request),
                    product_id=product.id,
                    data=editor.to_input(),
                )
            except ApplicationError as error:
                if error.status == 403:
                    return denied(request, error)
                if error.status == 404:
                    raise Http404(error.message) from None
                editor.add_service_error(error)
                editor.show_current_stock(variant_stock_levels(product_id=product.id))
            else:
                messages.success(request, "Saved.")
                if not getattr(request, "htmx", False):
                    return redirect(
                        "sellers:product_edit", shop_slug=shop.slug, product_id=product.id
                    )
                # htmx: the editor comes back filled from the saved product, in place.
                product = product_for_edit(product_id=product.id)
                assert product is not None
                editor = ProductEditor(
                    categories=categories, product=product, variants=list(product.variants.all())
                )
                return _editor_page(request, editor, product=product)
        status = 422
    return _editor_page(
        request, editor, product=product, images=list(product.images.all()), status=status
    )


# --- stock -----------------------------------------------------------------------------------


def _stock_form_id(variant_id: int | str) -> str:
    return f"id_v{variant_id}_%s"


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.ADJUST_STOCK)
def product_stock(request: HttpRequest, shop_slug: str, product_id: int) -> HttpResponse:
    """A product's variants with an adjust form each, and its stock history."""
    shop = _shop(request)
    product = product_with_variants(product_id=product_id)
    if product is None:
        raise Http404("No such product in this shop.")
    variants = list(product.variants.all())
    forms = {
        variant.id: StockAdjustForm(
            initial={"variant": variant.id}, auto_id=_stock_form_id(variant.id)
        )
        for variant in variants
    }
    status = 200
    if request.method == "POST":
        form = StockAdjustForm(request.POST, auto_id=_stock_form_id(_posted_variant(request)))
        if form.is_valid():
            variant_id = form.cleaned_data["variant"]
            if variant_id not in forms:
                raise Http404("No such variant of this product.")
            try:
                variant = stock_adjust(
                    shop=shop,
                    actor=_actor(request),
                    variant_id=variant_id,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    **form.change(),
                )
            except ApplicationError as error:
                if error.status == 403:
                    return denied(request, error)
                if error.status == 404:
                    raise Http404(error.message) from None
                form.add_service_error(error)
            else:
                messages.success(request, f"{variant.sku} now has {variant.stock} in stock.")
                url = reverse(
                    "sellers:product_stock",
                    kwargs={"shop_slug": shop.slug, "product_id": product.id},
                )
                return redirect(f"{url}#variant-{variant.id}")
        if form.cleaned_data.get("variant") in forms:
            forms[form.cleaned_data["variant"]] = form
        status = 422
        if all(not each.is_bound for each in forms.values()):
            # Not one of this product's variants (a forged form): say it at the top.
            messages.error(request, "Choose one of this product's variants.")
    for variant in variants:
        variant.adjust_form = forms[variant.id]  # type: ignore[attr-defined]
    context = _context(
        request,
        product=product,
        variants=variants,
        **paginate(request, stock_movements_for(product_id=product.id), per_page=PER_PAGE),
    )
    template = (
        "sellers/stock/partials/product_stock.html"
        if _htmx_target(request) == "stock-main"
        else "sellers/stock/product.html"
    )
    return TemplateResponse(request, template, context, status=status)


def _posted_variant(request: HttpRequest) -> str:
    """The posted variant id for use in element ids (digits only; forged input is "x")."""
    value = request.POST.get("variant", "")
    return value if value.isdigit() else "x"


def _quick_form(variant: Variant) -> QuickStockForm:
    return QuickStockForm(initial={"variant": variant.id}, auto_id=f"id_low{variant.id}_%s")


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.ADJUST_STOCK)
def low_stock(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Tracked variants at or under their threshold, with a quick "change by" form each.

    With htmx (`HX-Target: low-<variant id>`) a quick adjustment answers with its row only.
    """
    shop = _shop(request)
    posted: QuickStockForm | None = None
    status = 200
    if request.method == "POST":
        posted = QuickStockForm(request.POST, auto_id=f"id_low{_posted_variant(request)}_%s")
        if posted.is_valid():
            try:
                stock_adjust(
                    shop=shop,
                    actor=_actor(request),
                    variant_id=posted.cleaned_data["variant"],
                    delta=posted.cleaned_data["delta"],
                    reason=posted.cleaned_data["reason"],
                )
            except ApplicationError as error:
                if error.status == 403:
                    return denied(request, error)
                if error.status == 404:
                    raise Http404(error.message) from None
                posted.add_service_error(error)
            else:
                adjusted = variant_get(variant_id=posted.cleaned_data["variant"])
                assert adjusted is not None
                if _htmx_target(request) == f"low-{adjusted.id}":
                    context = _context(
                        request, variant=adjusted, form=_quick_form(adjusted), adjusted=True
                    )
                    return TemplateResponse(request, "sellers/stock/partials/low_row.html", context)
                messages.success(request, f"{adjusted.sku} now has {adjusted.stock} in stock.")
                return redirect(request.get_full_path())
        status = 422
        variant_id = posted.cleaned_data.get("variant")
        if variant_id is not None and _htmx_target(request) == f"low-{variant_id}":
            variant = variant_get(variant_id=variant_id)
            if variant is None:
                raise Http404("No such variant in this shop.")
            context = _context(request, variant=variant, form=posted)
            return TemplateResponse(
                request, "sellers/stock/partials/low_row.html", context, status=status
            )
    page = paginate(request, variants_low_stock(), per_page=PER_PAGE)
    variants = list(page["page_obj"].object_list)
    shown = False
    for variant in variants:
        if posted is not None and posted.cleaned_data.get("variant") == variant.id:
            variant.quick_form = posted
            shown = True
        else:
            variant.quick_form = _quick_form(variant)
    page["page_obj"].object_list = variants
    if posted is not None and not shown:
        # The row isn't on this page (or isn't low any more): say it at the top instead.
        for errors in posted.errors.values():
            for message in errors:
                messages.error(request, str(message))
    context = _context(request, **page)
    return TemplateResponse(request, "sellers/stock/low.html", context, status=status)
