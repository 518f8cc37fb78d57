"""Account pages under /accounts/: thin views over marketplace.accounts.services.

A form that comes back with errors answers 422 (htmx swaps it in place; browsers show it
like any page) with everything typed still there, passwords excepted; a throttled sign-in
answers 429 with Retry-After. Pages about one person are never cached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.accounts import services
from marketplace.accounts.forms import (
    AddressForm,
    DeactivateForm,
    EmailChangeForm,
    LoginForm,
    NewAddressForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegisterForm,
)
from marketplace.accounts.models import User
from marketplace.accounts.selectors import access_address, addresses_of
from marketplace.errors import ApplicationError
from marketplace.http import client_ip
from marketplace.pagination import paginate
from realtime.views import preferences_context

View = Callable[..., HttpResponse]
GET_POST = ["GET", "POST"]
ADDRESSES_PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _safe_next(request: HttpRequest) -> str:
    """The `next` parameter if it leads to a page of this site, else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _next_url(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    """Where to go after signing in or up: `next` if it stays on this site, else `default`."""
    return _safe_next(request) or resolve_url(default)


def _show_error(form: forms.BaseForm, error: ApplicationError) -> int:
    """Put a service error on the form (on its field when the form has it) and return the
    status to answer with."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return 429 if error.status == 429 else 422


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> TemplateResponse:
    form = context.get("form")
    if request.method == "POST" and form is not None and form.errors and status == 200:
        status = 422
    return TemplateResponse(request, template, context, status=status)


def _message_page(
    request: HttpRequest, *, title: str, message: str, status: int, **extra: Any
) -> TemplateResponse:
    context = {"title": title, "message": message, **extra}
    return TemplateResponse(request, "accounts/message.html", context, status=status)


def private(view: View) -> View:
    """Signed-in only (anonymous visitors go to sign in) and never cached."""
    return login_required(never_cache(view))


def token_in_url(view: View) -> View:
    """For pages whose URL holds a token: requests made from the page (its stylesheet, a
    link) carry only our origin as Referer, never the path with the token. Not
    "no-referrer": browsers then send `Origin: null` with the page's form, which Django's
    CSRF check rightly refuses."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        return response

    return wrapper


# --- registration, verification, sign-in ----------------------------------------------------


@require_http_methods(GET_POST)
@sensitive_post_parameters("password")
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(**form.cleaned_data)
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            login(request, user, backend=services.MODEL_BACKEND)
            messages.success(
                request,
                f"Welcome! We sent a link to {user.email}: follow it to confirm your address.",
            )
            return redirect(_next_url(request))
    context = {"form": form, "next": _safe_next(request)}
    return _form_page(request, "accounts/register.html", context, status=status)


@require_GET
@token_in_url
@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except ApplicationError as error:
        return _message_page(
            request,
            title="This link does not work",
            message=error.message,
            status=error.status,
            offer_resend=request.user.is_authenticated and not _user(request).is_email_verified,
        )
    return _message_page(
        request,
        title="Your email address is verified",
        message=f"Thank you: {user.email} is confirmed. You can now open a shop.",
        status=200,
    )


@require_POST
@login_required
def verify_resend(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        services.email_verification_send(user=user)
    except ApplicationError as error:
        return _message_page(
            request, title="Check your inbox", message=error.message, status=error.status
        )
    if user.is_email_verified:
        messages.info(request, "Your email address is verified already.")
    else:
        messages.success(request, f"We sent a new link to {user.email}.")
    return redirect(_next_url(request, default="accounts:profile"))


@require_http_methods(GET_POST)
@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    retry_after: int | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(
                email=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except services.LoginThrottled as error:
            status = _show_error(form, error)
            retry_after = error.retry_after
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            login(request, user)  # a new session key: a planted one is worth nothing
            # Unticked: a browser-session cookie (gone when the browser closes). Ticked:
            # the cookie lasts SESSION_COOKIE_AGE.
            request.session.set_expiry(None if form.cleaned_data["remember"] else 0)
            if not user.is_email_verified:
                messages.warning(
                    request,
                    f"Please confirm your email address: follow the link we sent to "
                    f"{user.email}, or ask for a new one on your account page.",
                )
            return redirect(_next_url(request))
    context = {"form": form, "next": _safe_next(request)}
    response = _form_page(request, "accounts/login.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_signed_in = request.user.is_authenticated
    logout(request)
    if was_signed_in:
        messages.info(request, "You are signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- passwords ------------------------------------------------------------------------------


@require_http_methods(GET_POST)
@sensitive_post_parameters("old_password", "new_password")
@private
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=_user(request), **form.cleaned_data)
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            update_session_auth_hash(request, _user(request))  # this session stays signed in
            messages.success(request, "Your password is changed.")
            return redirect("accounts:profile")
    return _form_page(request, "accounts/password_change.html", {"form": form}, status=status)


@require_http_methods(GET_POST)
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(email=form.cleaned_data["email"])
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            # The same answer whether or not an account uses the address.
            return redirect("accounts:password_reset_sent")
    return _form_page(request, "accounts/password_reset.html", {"form": form}, status=status)


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    context = {"valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    return TemplateResponse(request, "accounts/password_reset_sent.html", context)


@require_http_methods(GET_POST)
@sensitive_post_parameters("new_password")
@token_in_url
@never_cache
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        services.password_reset_link_check(uid=uidb64, token=token)
    except ApplicationError as error:
        return _invalid_reset_link(request, error)
    form = PasswordResetConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(
                uid=uidb64, token=token, new_password=form.cleaned_data["new_password"]
            )
        except ApplicationError as error:
            if error.code == "invalid_token":
                return _invalid_reset_link(request, error)
            status = _show_error(form, error)
        else:
            if request.user.is_authenticated:
                logout(request)  # whoever was signed in here signs in again, with the new one
            messages.success(request, "Your password is changed. Sign in with the new one.")
            return redirect("accounts:login")
    return _form_page(
        request, "accounts/password_reset_confirm.html", {"form": form}, status=status
    )


def _invalid_reset_link(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return _message_page(
        request,
        title="This link does not work",
        message=error.message,
        status=error.status,
        action_url=reverse("accounts:password_reset"),
        action_label="Send me a new link",
    )


# --- profile, email, notifications, deactivation, export ------------------------------------


@require_http_methods(GET_POST)
@private
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, initial={"name": user.name})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, name=form.cleaned_data["name"])
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    return _form_page(request, "accounts/profile.html", {"form": form}, status=status)


@require_http_methods(GET_POST)
@sensitive_post_parameters("password")
@private
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.email_change_request(user=_user(request), **form.cleaned_data)
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            messages.info(
                request,
                f"We sent a link to {form.cleaned_data['new_email']}. Your email address "
                "changes when you follow it.",
            )
            return redirect("accounts:profile")
    return _form_page(request, "accounts/email_change.html", {"form": form}, status=status)


@require_http_methods(GET_POST)
@token_in_url
@never_cache
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST changes: a mail scanner that opens links must not change an account."""
    try:
        new_email = services.email_change_link_check(token=token)
        if request.method == "POST":
            user = services.email_change_confirm(token=token)
    except ApplicationError as error:
        return _message_page(
            request, title="This link does not work", message=error.message, status=error.status
        )
    if request.method == "POST":
        messages.success(request, f"Your email address is now {user.email}.")
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    context = {"new_email": new_email}
    return TemplateResponse(request, "accounts/email_change_confirm.html", context)


@require_GET
@private
def notifications(request: HttpRequest) -> HttpResponse:
    """Notification settings; the form posts to realtime's view, which owns them."""
    context = preferences_context(user=_user(request))
    return TemplateResponse(request, "accounts/notifications.html", context)


@require_http_methods(GET_POST)
@sensitive_post_parameters("password")
@private
def deactivate(request: HttpRequest) -> HttpResponse:
    form = DeactivateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(user=_user(request), password=form.cleaned_data["password"])
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            logout(request)
            messages.info(request, "Your account is closed. Thank you for being with us.")
            return redirect(settings.LOGOUT_REDIRECT_URL)
    return _form_page(request, "accounts/deactivate.html", {"form": form}, status=status)


@require_GET
@private
def export(request: HttpRequest) -> HttpResponse:
    data = services.user_data_export(user=_user(request))
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"marketplace-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- addresses ------------------------------------------------------------------------------


@require_GET
@private
def addresses(request: HttpRequest) -> HttpResponse:
    context = paginate(request, addresses_of(user=_user(request)), per_page=ADDRESSES_PER_PAGE)
    return TemplateResponse(request, "accounts/addresses.html", context)


@require_http_methods(GET_POST)
@private
def address_create(request: HttpRequest) -> HttpResponse:
    form = NewAddressForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.address_create(user=_user(request), **form.cleaned_data)
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            messages.success(request, "The address is saved.")
            return redirect("accounts:addresses")
    context = {"form": form, "address": None}
    return _form_page(request, "accounts/address_form.html", context, status=status)


@require_http_methods(GET_POST)
@private
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = access_address(user=_user(request), address_id=address_id)
    form = AddressForm(request.POST or None, instance=address)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.address_update(address=address, **form.cleaned_data)
        except ApplicationError as error:
            status = _show_error(form, error)
        else:
            messages.success(request, "The address is saved.")
            return redirect("accounts:addresses")
    context = {"form": form, "address": address}
    return _form_page(request, "accounts/address_form.html", context, status=status)


@require_POST
@private
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    address = access_address(user=_user(request), address_id=address_id)
    services.address_delete(address=address)
    messages.success(request, "The address is deleted.")
    return redirect("accounts:addresses")


@require_POST
@private
def address_make_default(request: HttpRequest, address_id: int) -> HttpResponse:
    address = access_address(user=_user(request), address_id=address_id)
    services.address_set_default(address=address)
    messages.success(request, "This is now your default address.")
    return redirect("accounts:addresses")
