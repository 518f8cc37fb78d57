"""Signed links we email: email verification, email change and password reset.

Verification and email-change tokens are `django.core.signing` payloads (salted, timed,
tamper-proof, nothing stored). Each names the address it was made for, so a token stops
working once the account's email is no longer that address: an email-change link can be
followed once only. Password-reset tokens are Django's `PasswordResetTokenGenerator`
(they hash the password and last login, so a link dies once used, and expire after
settings.PASSWORD_RESET_TIMEOUT).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from marketplace.accounts.models import User

EMAIL_VERIFICATION_SALT = "marketplace.accounts.email-verification"
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
EMAIL_CHANGE_SALT = "marketplace.accounts.email-change"
EMAIL_CHANGE_MAX_AGE = timedelta(days=1)


def absolute_url(path: str) -> str:
    """A link for an email: the site's configured origin plus `path`."""
    return settings.SITE_URL.rstrip("/") + path


def email_verification_token_make(*, user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_token_read(token: str) -> dict[str, Any]:
    """The payload; raises signing.BadSignature (SignatureExpired included) when it is not
    one of ours or is older than EMAIL_VERIFICATION_MAX_AGE."""
    payload: dict[str, Any] = signing.loads(
        token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE
    )
    return payload


def email_verification_url(*, user: User) -> str:
    token = email_verification_token_make(user=user)
    return absolute_url(reverse("accounts:verify", kwargs={"token": token}))


def email_change_token_make(*, user: User, old_email: str, new_email: str) -> str:
    payload = {"user": user.pk, "old": old_email, "new": new_email}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT)


def email_change_token_read(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = signing.loads(
        token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE
    )
    return payload


def email_change_url(*, user: User, old_email: str, new_email: str) -> str:
    token = email_change_token_make(user=user, old_email=old_email, new_email=new_email)
    return absolute_url(reverse("accounts:email_change_confirm", kwargs={"token": token}))


def password_reset_url(*, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return absolute_url(path)
