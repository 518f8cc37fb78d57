"""How allauth's social sign-in fits our users.

Our User has no username; `User.email` is the one email we know and `email_verified_at`
the one verification flag. allauth keeps an EmailAddress table of its own, which we do
not maintain, so matching and verification go by the User row.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import redirect

from marketplace.accounts.models import User
from marketplace.social.services import (
    social_link_by_email_prepare,
    social_user_mark_email_verified,
)

logger = logging.getLogger(__name__)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        # allauth's text asks people to "connect" the provider from their account, which
        # our pages do not offer yet.
        "email_taken": "An account already uses this email address. Sign in to it with your "
        "password, or choose another address for a new %s sign-in.",
    }

    def get_app(
        self, request: HttpRequest | None, provider: str, client_id: str | None = None
    ) -> SocialApp:
        """A provider without a configured client id is switched off: its sign-in and
        callback URLs answer 404 instead of failing with a server error."""
        try:
            return super().get_app(request, provider, client_id)
        except SocialApp.DoesNotExist:
            raise Http404(f"{provider} sign-in is not enabled") from None

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[User, str] | None:
        """The existing user whose email the provider says this person has verified.

        Only `User.email` counts: allauth's own address table may still hold an address a
        user has since changed. Unverified provider addresses never match, or anyone could
        take over an account by adding its email, unconfirmed, at the provider.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            user = User.objects.filter(email__iexact=address.email).first()
            if user is not None:
                return user, address.email
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        # A user found but no provider account stored yet: matched by verified email, about
        # to be linked. (A returning person has a stored account; a new one has no user.)
        matched_by_email = (
            sociallogin.account.pk is None
            and sociallogin.user is not None
            and sociallogin.user.pk is not None
            and sociallogin.state.get("process", AuthProcess.LOGIN) == AuthProcess.LOGIN
        )
        if not matched_by_email:
            return
        user = sociallogin.user
        assert isinstance(user, User)
        if social_link_by_email_prepare(user=user):
            messages.warning(
                request,
                f"Your {sociallogin.provider.name} account is now linked. Your email address "
                "had not been confirmed, so the password on this account was removed to keep "
                "it safe; set a new one with “Forgot your password?” if you want one.",
            )

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> User:
        user = super().populate_user(request, sociallogin, data)
        full_name = " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.name = (data.get("name") or full_name or "")[: User._meta.get_field("name").max_length]
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        """A new user from a provider: verified when the provider verified the email the
        account ends up with (the signup form may have replaced it)."""
        user = super().save_user(request, sociallogin, form)
        verified = {
            address.email.lower() for address in sociallogin.email_addresses if address.verified
        }
        if user.email.lower() in verified:
            social_user_mark_email_verified(user=user)
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """Every failed or cancelled sign-in ends on our sign-in page with a message,
        instead of allauth's error pages."""
        logger.warning("social sign-in with %s failed: %s %r", provider.sub_id, error, exception)
        if error == AuthError.CANCELLED:
            messages.info(request, f"You cancelled signing in with {provider.name}.")
        else:
            messages.error(
                request, f"Signing in with {provider.name} did not work. Please try again."
            )
        raise ImmediateHttpResponse(redirect("accounts:login"))
