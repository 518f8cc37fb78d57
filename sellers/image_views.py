"""Product images in the seller dashboard: upload, alt text, order, delete.

These views serve the images section of the product edit page
(sellers/images/section.html). htmx requests get the section back (422 with the messages
in place when something was refused); plain form posts are redirected to the product
edit page, or get the images page with the messages (422) when something was refused.
The routing middleware has the shop's schema active, so ids only ever find this shop's
products and images; the services check the permission again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.errors import ApplicationError
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services.images import (
    product_image_add,
    product_image_delete,
    product_image_move,
    product_image_update,
    product_images_reorder,
)
from sellers.views import dashboard_context, denied, shop_view
from tenants.permissions import ShopAction

SECTION_TEMPLATE = "sellers/images/partial.html"
PAGE_TEMPLATE = "sellers/images/page.html"
UPLOAD_FIELD = "images"


def product_edit_url(*, shop_slug: str, product_id: int) -> str:
    """The product edit page, at its images section. Until that page exists, the images
    page stands in for it."""
    kwargs = {"shop_slug": shop_slug, "product_id": product_id}
    try:
        return reverse("sellers:product_edit", kwargs=kwargs) + "#product-images"
    except NoReverseMatch:
        return reverse("sellers:product_images", kwargs=kwargs)


def _product_or_404(product_id: int) -> Product:
    product = Product.objects.filter(id=product_id).first()
    if product is None:
        raise Http404("No such product in this shop.")
    return product


def _image_or_404(image_id: int) -> ProductImage:
    image = ProductImage.objects.select_related("product").filter(id=image_id).first()
    if image is None:
        raise Http404("No such image in this shop.")
    return image


def _section(
    request: HttpRequest, *, product: Product, status: int = 200, **state: Any
) -> HttpResponse:
    """The images section (htmx) or the images page around it, with `state` (notice,
    upload_errors, alt_error, order_error) for the template."""
    shop = request.shop  # type: ignore[attr-defined]
    context = dashboard_context(
        request,
        product=product,
        images=list(ProductImage.objects.filter(product_id=product.id)),
        product_edit_url=product_edit_url(shop_slug=shop.slug, product_id=product.id),
        **state,
    )
    template = SECTION_TEMPLATE if request.htmx else PAGE_TEMPLATE  # type: ignore[attr-defined]
    return TemplateResponse(request, template, context, status=status)


def _done(request: HttpRequest, *, product: Product, notice: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _section(request, product=product, notice=notice)
    messages.success(request, notice)
    shop = request.shop  # type: ignore[attr-defined]
    return redirect(product_edit_url(shop_slug=shop.slug, product_id=product.id))


def _raise_if_not_found(error: ApplicationError) -> None:
    """Errors no form can show: not found is 404 (as if the id didn't exist)."""
    if error.status == 404:
        raise Http404(error.message)


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.MANAGE_PRODUCTS)
def product_images(request: HttpRequest, shop_slug: str, product_id: int) -> HttpResponse:
    """GET: the images page (the section alone for htmx). POST: add every file of the
    `images` field; each is checked on its own, the good ones are kept and each refused
    one is reported by its name (422)."""
    product = _product_or_404(product_id)
    if request.method == "GET":
        return _section(request, product=product)
    uploads = request.FILES.getlist(UPLOAD_FIELD)
    if not uploads:
        return _section(
            request,
            product=product,
            status=422,
            upload_errors=["Choose one or more JPEG, PNG or WebP images to upload."],
        )
    added = 0
    errors: list[str] = []
    for upload in uploads:
        try:
            product_image_add(
                shop=request.shop,  # type: ignore[attr-defined]
                actor=request.membership,  # type: ignore[attr-defined]
                product_id=product.id,
                upload=upload,
            )
        except ApplicationError as error:
            if error.status == 403:
                return denied(request, error)
            _raise_if_not_found(error)
            errors.append(f"{upload.name}: {error.message}")
        else:
            added += 1
    notice = f"{added} image{'s' if added != 1 else ''} added." if added else ""
    if errors:
        return _section(request, product=product, status=422, notice=notice, upload_errors=errors)
    return _done(request, product=product, notice=notice)


@require_POST
@shop_view(write=ShopAction.MANAGE_PRODUCTS)
def product_images_order(request: HttpRequest, shop_slug: str, product_id: int) -> HttpResponse:
    """Put the images in the order of the `image_ids` fields (drag and drop)."""
    product = _product_or_404(product_id)
    try:
        image_ids = [int(value) for value in request.POST.getlist("image_ids")]
    except ValueError:
        image_ids = None
    try:
        if image_ids is None:
            raise ApplicationError(
                "The new order was not understood. Reload the page and try again."
            )
        product_images_reorder(
            shop=request.shop,  # type: ignore[attr-defined]
            actor=request.membership,  # type: ignore[attr-defined]
            product_id=product.id,
            image_ids=image_ids,
        )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        _raise_if_not_found(error)
        return _section(request, product=product, status=422, order_error=error.message)
    return _done(request, product=product, notice="The new order is saved.")


@require_POST
@shop_view(write=ShopAction.MANAGE_PRODUCTS)
def product_image_move_view(request: HttpRequest, shop_slug: str, image_id: int) -> HttpResponse:
    """Move an image one place up or down (`direction`): the buttons that work without
    JavaScript or a mouse."""
    image = _image_or_404(image_id)
    try:
        product_image_move(
            shop=request.shop,  # type: ignore[attr-defined]
            actor=request.membership,  # type: ignore[attr-defined]
            image_id=image.id,
            direction=request.POST.get("direction", ""),
        )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        _raise_if_not_found(error)
        return _section(request, product=image.product, status=422, order_error=error.message)
    place = "earlier" if request.POST["direction"] == "up" else "later"
    return _done(request, product=image.product, notice=f"Image moved {place}.")


@require_POST
@shop_view(write=ShopAction.MANAGE_PRODUCTS)
def product_image_alt(request: HttpRequest, shop_slug: str, image_id: int) -> HttpResponse:
    """Save an image's alt text (`alt`)."""
    image = _image_or_404(image_id)
    alt = request.POST.get("alt", "")
    try:
        product_image_update(
            shop=request.shop,  # type: ignore[attr-defined]
            actor=request.membership,  # type: ignore[attr-defined]
            image_id=image.id,
            alt=alt,
        )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        _raise_if_not_found(error)
        alt_error = {"image_id": image.id, "message": error.message, "value": alt}
        return _section(request, product=image.product, status=422, alt_error=alt_error)
    return _done(request, product=image.product, notice="Alt text saved.")


@require_POST
@shop_view(write=ShopAction.MANAGE_PRODUCTS)
def product_image_delete_view(request: HttpRequest, shop_slug: str, image_id: int) -> HttpResponse:
    """Delete an image (the section asks to confirm first, without JavaScript too)."""
    image = _image_or_404(image_id)
    try:
        product_image_delete(
            shop=request.shop,  # type: ignore[attr-defined]
            actor=request.membership,  # type: ignore[attr-defined]
            image_id=image.id,
        )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        _raise_if_not_found(error)
        raise  # the service refuses nothing else
    return _done(request, product=image.product, notice="Image deleted.")
