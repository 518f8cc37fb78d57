"""Platform-funded promotions under /platform/promotions/: platform admins only.

Plain form posts (redirect on success, 422 with the messages in place) that htmx also
drives (the form swaps itself; success redirects the page).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from marketplace.platform.promotion_forms import PromotionForm
from marketplace.platform.views import platform_admin_required
from sellers.discounts.forms import rule_initial
from sellers.discounts.models import RuleStatus
from sellers.promotions.models import PlatformPromotion
from sellers.promotions.selectors import promotion_get, promotions_for_platform
from sellers.promotions.services import promotion_create, promotion_delete, promotion_update
from tenants.models import Shop
from tenants.selectors import shop_get_by_slug

PER_PAGE = 25


def _promotion_or_404(promotion_id: int) -> PlatformPromotion:
    promotion = promotion_get(promotion_id=promotion_id)
    if promotion is None:
        raise Http404("No such promotion.")
    return promotion


@require_GET
@platform_admin_required
def promotions(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in RuleStatus.values:
        status = None
    context = {
        "status": status,
        "statuses": RuleStatus.choices,
        **paginate(request, promotions_for_platform(status=status), per_page=PER_PAGE),
    }
    return TemplateResponse(request, "platform/promotions.html", context)


def _page(
    request: HttpRequest,
    *,
    form: PromotionForm,
    promotion: PlatformPromotion | None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "promotion": promotion}
    template = "platform/promotion_form.html"
    if request.htmx and request.htmx.target == "promotion-form":  # type: ignore[attr-defined]
        template = "platform/partials/promotion_form.html"
    return TemplateResponse(request, template, context, status=status)


def _saved(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("platform:promotions")
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _shop_for(form: PromotionForm) -> tuple[bool, Shop | None]:
    slug = (form.cleaned_data.get("shop") or "").strip()
    if not slug:
        return True, None
    shop = shop_get_by_slug(slug=slug)
    if shop is None:
        form.add_error("shop", "No shop has this address.")
        return False, None
    return True, shop


def _submit(request: HttpRequest, *, promotion: PlatformPromotion | None) -> HttpResponse:
    form = PromotionForm(request.POST)
    status = 422
    if form.is_valid():
        found, shop = _shop_for(form)
        if found:
            try:
                if promotion is None:
                    created = promotion_create(
                        by=request.user,  # type: ignore[arg-type]
                        data=form.rule_input(),
                        shop=shop,
                    )
                    return _saved(request, f"“{created.name}” was created.")
                updated = promotion_update(
                    by=request.user,  # type: ignore[arg-type]
                    promotion_id=promotion.id,
                    data=form.rule_input(),
                    shop=shop,
                    version=form.cleaned_data["version"],
                )
                return _saved(request, f"“{updated.name}” was saved.")
            except ApplicationError as error:
                if error.status == 404:
                    raise Http404(error.message) from None
                form.add_service_error(error)
                status = 409 if error.code == "conflict" else 422
    return _page(request, form=form, promotion=promotion, status=status)


@require_http_methods(["GET", "POST"])
@platform_admin_required
def promotion_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, promotion=None)
    return _page(request, form=PromotionForm(), promotion=None)


@require_http_methods(["GET", "POST"])
@platform_admin_required
def promotion_edit(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = _promotion_or_404(promotion_id)
    if request.method == "POST":
        return _submit(request, promotion=promotion)
    initial = rule_initial(promotion)
    initial["shop"] = promotion.shop.slug if promotion.shop else ""
    initial["product_ids"] = ", ".join(str(each) for each in promotion.product_ids)
    initial["variant_ids"] = ", ".join(str(each) for each in promotion.variant_ids)
    return _page(request, form=PromotionForm(initial=initial), promotion=promotion)


@require_POST
@platform_admin_required
def promotion_delete_view(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = _promotion_or_404(promotion_id)
    try:
        promotion_delete(by=request.user, promotion_id=promotion.id)  # type: ignore[arg-type]
    except ApplicationError as error:
        raise Http404(error.message) from None
    return _saved(request, f"“{promotion.name}” was deleted.")
