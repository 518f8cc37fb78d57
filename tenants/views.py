"""The page an invitation email links to: /invitations/<token>/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from marketplace.errors import ApplicationError
from tenants.models import Invitation, Membership
from tenants.permissions import shop_suspended_error
from tenants.selectors import invitation_get_by_token
from tenants.team import check_invitation_recipient, check_invitation_usable, invitation_accept


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET explains the invitation (and why it can't be used, if so); POST accepts it.

    Accepting needs a signed-in account with the invited email address.
    """
    found = invitation_get_by_token(token=token)
    problem = _problem(request, found)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if problem is None:
            try:
                membership = invitation_accept(token=token, user=request.user)  # type: ignore[arg-type]
            except ApplicationError as error:
                problem = error
            else:
                messages.success(
                    request,
                    f"Welcome to {membership.shop.name}! You joined as "
                    f"{membership.get_role_display().lower()}.",
                )
                return redirect("sellers:dashboard", shop_slug=membership.shop.slug)
    context = {
        "invitation": found,
        "problem": problem,
        "masked_email": _mask(found.email) if found else "",
        "login_url": reverse("accounts:login") + "?next=" + request.path,
        "signup_url": reverse("accounts:register") + "?next=" + request.path,
    }
    status = problem.status if problem else 200
    return TemplateResponse(request, "tenants/invitation.html", context, status=status)


def _problem(request: HttpRequest, found: Invitation | None) -> ApplicationError | None:
    """Why this visitor can't accept, checked the way `invitation_accept` will check."""
    if found is None:
        return ApplicationError(
            "This invitation link isn't valid. Check that you copied all of it.",
            code="invitation_invalid",
            status=404,
        )
    try:
        check_invitation_usable(found)
        if found.shop.is_suspended:
            raise shop_suspended_error(found.shop)
        if request.user.is_authenticated:
            check_invitation_recipient(invitation=found, user=request.user)  # type: ignore[arg-type]
            if Membership.objects.filter(shop=found.shop, user=request.user).exists():  # type: ignore[misc]
                raise ApplicationError(
                    f"You already work for {found.shop.name}.", code="already_member", status=409
                )
    except ApplicationError as error:
        return error
    return None


def _mask(email: str) -> str:
    """j•••@example.com: enough to recognise one's own address, not to learn someone's."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
