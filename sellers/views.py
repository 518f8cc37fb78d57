"""The seller dashboard under /sell/: opening a shop, and /sell/<slug>/ pages for its members.

Every /sell/<slug>/ view goes through `shop_view`, which checks membership of that shop
and the `ShopAction` the request needs (docs/permissions.md); the services check again.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from sellers.forms import InvitationForm, ShopOpenForm, ShopProfileForm
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction, check_shop_action, role_may
from tenants.selectors import (
    DashboardAccess,
    access_dashboard,
    invitations_open,
    members_of_shop,
    memberships_of,
)
from tenants.services import check_shop_opener, check_shop_slug_available, shop_open
from tenants.services import shop_profile_update as shop_profile_update_service
from tenants.team import (
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_leave,
    membership_remove,
)

View = Callable[..., HttpResponse]


def shop_view(
    *, read: ShopAction | None = None, write: ShopAction | None = None
) -> Callable[[View], View]:
    """Guard a /sell/<slug>/ view: GET needs `read`, POST needs `write`.

    Anonymous visitors go to sign in; people who don't work for the shop get the 403
    page; members whose role (or the shop's suspension) doesn't allow the action get a
    403 inside the dashboard saying why. Sets `request.dashboard` (a DashboardAccess).
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            shop: Shop = request.shop  # type: ignore[attr-defined]
            access = access_dashboard(user=request.user, shop=shop)  # type: ignore[arg-type]
            request.dashboard = access  # type: ignore[attr-defined]
            request.membership = access.membership  # type: ignore[attr-defined]
            action = write if request.method == "POST" else read
            if action is None:
                raise RuntimeError(f"{view.__name__} has no action for {request.method}")
            try:
                check_shop_action(membership=access.membership, shop=shop, action=action)
            except ApplicationError as error:
                return denied(request, error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def dashboard_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    access: DashboardAccess = request.dashboard  # type: ignore[attr-defined]
    return {
        "shop": request.shop,  # type: ignore[attr-defined]
        "membership": access.membership,
        "memberships": access.memberships,
        "can": access.can,
        **extra,
    }


def denied(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return TemplateResponse(
        request,
        "sellers/denied.html",
        dashboard_context(request, error=error),
        status=error.status,
    )


def add_error(form: forms.Form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- /sell/ and opening a shop -----------------------------------------------------------


@require_GET
@login_required
def my_shops(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_of(user=request.user))  # type: ignore[arg-type]
    if len(memberships) == 1:
        return redirect("sellers:dashboard", shop_slug=memberships[0].shop.slug)
    return TemplateResponse(request, "sellers/my_shops.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
@login_required
def open_shop(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        check_shop_opener(user)  # type: ignore[arg-type]
    except ApplicationError as error:
        return TemplateResponse(
            request, "sellers/open_shop_unverified.html", {"error": error}, status=error.status
        )
    form = ShopOpenForm(
        request.POST or None,
        request.FILES or None,
        initial={"support_email": user.email},  # type: ignore[union-attr]
    )
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_open(opener=user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as error:
            add_error(form, error)
        else:
            messages.success(request, f"{shop.name} is open. Add your first product below.")
            return redirect("sellers:dashboard", shop_slug=shop.slug)
    slug = form["slug"].value() or ""
    context = {"form": form, "slug_preview": slug or "your-address"}
    # 422 keeps htmx's error handling (it swaps 422) and tells the browser nothing was made.
    return TemplateResponse(
        request, "sellers/open_shop.html", context, status=422 if form.errors else 200
    )


@require_GET
@login_required
def slug_hint(request: HttpRequest) -> HttpResponse:
    """The live address hint under the slug field (htmx); the form re-checks on submit."""
    slug = request.GET.get("slug", "").strip()[:60]
    error = None
    if slug:
        try:
            check_shop_slug_available(slug)
        except ApplicationError as exc:
            error = exc.message
    return TemplateResponse(
        request, "sellers/partials/slug_hint.html", {"slug": slug, "error": error}
    )


# --- the team ----------------------------------------------------------------------------


def _team_page(
    request: HttpRequest, *, status: int = 200, row_error: dict[str, Any] | None = None
) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    viewer: Membership = request.membership  # type: ignore[attr-defined]
    page = paginate(request, members_of_shop(shop=shop), per_page=25)
    can_manage_owners = role_may(role=viewer.role, action=ShopAction.MANAGE_OWNERS)
    can = request.dashboard.can  # type: ignore[attr-defined]
    for member in page["page_obj"].object_list:
        # Only whom the viewer may act on gets the controls; the services decide anyway.
        touches_owner = member.role == Membership.Role.OWNER
        member.is_viewer = member.id == viewer.id
        member.can_change_role = can["change_roles"] and (can_manage_owners or not touches_owner)
        member.can_remove = (
            can["remove_members"]
            and not member.is_viewer
            and (can_manage_owners or not touches_owner)
        )
        member.role_choices = [
            choice
            for choice in Membership.Role.choices
            if can_manage_owners or choice[0] != Membership.Role.OWNER
        ]
    if row_error and all(member.id != row_error["id"] for member in page["page_obj"].object_list):
        # The row isn't on this page (or in this shop): say it at the top instead.
        messages.error(request, row_error["message"])
        row_error = None
    open_invitations = invitations_open(shop=shop).count() if can["view_invitations"] else None
    context = dashboard_context(
        request, row_error=row_error, open_invitations=open_invitations, **page
    )
    return TemplateResponse(request, "sellers/team.html", context, status=status)


@require_GET
@shop_view(read=ShopAction.VIEW_TEAM)
def team(request: HttpRequest, shop_slug: str) -> HttpResponse:
    return _team_page(request)


def _team_action_failed(
    request: HttpRequest, error: ApplicationError, *, membership_id: int | None = None
) -> HttpResponse:
    if error.status == 403:
        return denied(request, error)
    row_error = {"id": membership_id, "message": error.message} if membership_id else None
    if row_error is None:
        messages.error(request, error.message)
    return _team_page(request, status=error.status, row_error=row_error)


@require_POST
@shop_view(write=ShopAction.CHANGE_ROLES)
def member_change_role(request: HttpRequest, shop_slug: str, membership_id: int) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    try:
        member = membership_change_role(
            actor=request.membership,  # type: ignore[attr-defined]
            shop=shop,
            membership_id=membership_id,
            role=request.POST.get("role", ""),
        )
    except ApplicationError as error:
        return _team_action_failed(request, error, membership_id=membership_id)
    messages.success(request, f"{member.user.email} is now {member.get_role_display().lower()}.")
    return redirect("sellers:team", shop_slug=shop.slug)


@require_POST
@shop_view(write=ShopAction.REMOVE_MEMBERS)
def member_remove(request: HttpRequest, shop_slug: str, membership_id: int) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    member = members_of_shop(shop=shop).filter(id=membership_id).first()
    try:
        membership_remove(
            actor=request.membership,  # type: ignore[attr-defined]
            shop=shop,
            membership_id=membership_id,
        )
    except ApplicationError as error:
        return _team_action_failed(request, error, membership_id=membership_id)
    if member is not None and member.id == request.membership.id:  # type: ignore[attr-defined]
        messages.success(request, f"You left {shop.name}.")
        return redirect("sellers:my_shops")
    messages.success(request, f"{member.user.email if member else 'They'} no longer work here.")
    return redirect("sellers:team", shop_slug=shop.slug)


@require_POST
@shop_view(write=ShopAction.LEAVE_SHOP)
def leave_shop(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    try:
        membership_leave(membership=request.membership, shop=shop)  # type: ignore[attr-defined]
    except ApplicationError as error:
        return _team_action_failed(request, error)
    messages.success(request, f"You left {shop.name}.")
    return redirect("sellers:my_shops")


# --- invitations -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_INVITATIONS, write=ShopAction.INVITE_MEMBERS)
def invitations(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    membership: Membership = request.membership  # type: ignore[attr-defined]
    allow_owner = role_may(role=membership.role, action=ShopAction.INVITE_OWNERS)
    form = InvitationForm(request.POST or None, allow_owner=allow_owner)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = invitation_create(actor=membership, shop=shop, **form.cleaned_data)
            except ApplicationError as error:
                if error.status == 403:
                    return denied(request, error)
                add_error(form, error)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email}. The link works for 7 days.",
                )
                return redirect("sellers:invitations", shop_slug=shop.slug)
        status = 422
    context = dashboard_context(
        request, form=form, **paginate(request, invitations_open(shop=shop), per_page=25)
    )
    return TemplateResponse(request, "sellers/invitations.html", context, status=status)


@require_POST
@shop_view(write=ShopAction.REVOKE_INVITATIONS)
def invitation_revoke_view(
    request: HttpRequest, shop_slug: str, invitation_id: int
) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    try:
        invitation = invitation_revoke(
            actor=request.membership,  # type: ignore[attr-defined]
            shop=shop,
            invitation_id=invitation_id,
        )
    except ApplicationError as error:
        if error.status == 403:
            return denied(request, error)
        messages.error(request, error.message)
        return redirect("sellers:invitations", shop_slug=shop.slug)
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("sellers:invitations", shop_slug=shop.slug)


# --- the shop's profile ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.EDIT_SHOP_PROFILE)
def shop_profile(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Everyone in the shop sees its profile; owners and managers edit it.

    A renamed shop's listings follow inside the update: the sellers app registers a
    profile hook with tenants (tenants knows no domain), so the API gets it too.
    """
    shop: Shop = request.shop  # type: ignore[attr-defined]
    initial = {
        "name": shop.name,
        "description": shop.description,
        "support_email": shop.support_email,
        "country": shop.country,
        "logo": shop.logo or None,
        "banner": shop.banner or None,
        "shipping_policy": shop.shipping_policy,
        "returns_policy": shop.returns_policy,
        "shipping_flat_rate": shop.shipping_flat_rate,
        "free_shipping_threshold": shop.free_shipping_threshold,
        "tax_rate": shop.tax_rate,
    }
    form = ShopProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # ClearableFileInput: a new upload, False when "Clear" was ticked, else the current.
        logo, banner = data.pop("logo"), data.pop("banner")
        if data["free_shipping_threshold"] is None:
            data["free_shipping_threshold"] = ""  # left empty: shipping is never free
        for amount in ("shipping_flat_rate", "tax_rate"):
            if data[amount] is None:
                data[amount] = Decimal(0)  # left empty: none
        try:
            shop_profile_update_service(
                actor=request.membership,  # type: ignore[attr-defined]
                shop=shop,
                logo=logo if isinstance(logo, UploadedFile) else None,
                remove_logo=logo is False,
                banner=banner if isinstance(banner, UploadedFile) else None,
                remove_banner=banner is False,
                **data,
            )
        except ApplicationError as error:
            if error.status == 403:
                return denied(request, error)
            # Every faulty field at once, each at its field (the form-wide list otherwise).
            for field, message in (error.errors or {"": error.message}).items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "The shop's profile was saved.")
            return redirect("sellers:shop_profile", shop_slug=shop.slug)
    context = dashboard_context(request, form=form)
    return TemplateResponse(
        request, "sellers/shop_profile.html", context, status=422 if form.errors else 200
    )
