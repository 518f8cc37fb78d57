"""Signing in and passwords: throttled authentication, change, reset by emailed link."""

from __future__ import annotations

import math

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from marketplace.accounts import handlers
from marketplace.accounts.models import User
from marketplace.accounts.services.checks import (
    check_current_password,
    check_new_password,
    email_normalized,
    invalid_token_error,
    user_locked,
)
from marketplace.accounts.throttling import (
    cooldown_start,
    login_failure_record,
    login_failures_clear,
    login_retry_after,
)
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event

INVALID_CREDENTIALS = "That email and password do not match an account."
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PASSWORD_RESET_COOLDOWN = 60


class LoginThrottled(ApplicationError):
    """Too many failed sign-ins; `retry_after` is the wait in seconds (for Retry-After)."""

    def __init__(self, *, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        when = "in 1 minute" if minutes == 1 else f"in {minutes} minutes"
        super().__init__(
            f"Too many failed sign-in attempts. Try again {when}, "
            "or reset your password if you forgot it.",
            code="throttled",
            status=429,
        )
        self.retry_after = retry_after


def user_authenticate(*, email: str, password: str, ip: str | None) -> User:
    """The account these credentials open, for `django.contrib.auth.login`.

    Throttled per account and per IP address (marketplace.accounts.throttling): once
    throttled, even the right password is refused until the window ends. Unknown email,
    wrong password and deactivated account give the same answer.
    """
    retry_after = login_retry_after(email=email, ip=ip)
    if retry_after is not None:
        raise LoginThrottled(retry_after=retry_after)
    # ModelBackend rather than authenticate(): sign-in by password must not depend on
    # which other backends (social sign-in) are configured. It runs the hasher for unknown
    # emails too, so both answers take as long.
    user = ModelBackend().authenticate(None, username=email.strip(), password=password)
    if user is None:
        login_failure_record(email=email, ip=ip)
        raise ApplicationError(INVALID_CREDENTIALS, code="invalid_credentials", status=401)
    login_failures_clear(email=email)
    user.backend = MODEL_BACKEND  # type: ignore[attr-defined]  # login() records it in the session
    return user  # type: ignore[return-value]


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Other sessions of the account end (their session hash no longer matches); the
    caller keeps its own with `update_session_auth_hash`."""
    check_current_password(user, old_password, field="old_password")
    check_new_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])


def password_reset_request(*, email: str) -> None:
    """Email a reset link if an active account has this address. Says nothing either way:
    the caller shows the same answer whether or not the account exists."""
    email = email_normalized(email)
    # One email a minute per address, so the form cannot be used to flood someone's inbox.
    if not cooldown_start(key=f"password-reset:{email}", seconds=PASSWORD_RESET_COOLDOWN):
        return
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    with transaction.atomic():
        publish_event(
            type=handlers.PASSWORD_RESET_REQUESTED, key=str(user.pk), data={"user_id": user.pk}
        )


def _user_from_uid(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


PASSWORD_RESET_INVALID = (
    "This password reset link is invalid, has expired or was used already. "  # noqa: S105
    "Ask for a new one."
)


def password_reset_link_check(*, uid: str, token: str) -> User:
    """The account a reset link is for; ApplicationError(code="invalid_token") if the link
    is not valid (any more). Lets the page say so before anyone types a password."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid_token_error(PASSWORD_RESET_INVALID)
    return user


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link. The link then stops working (its token hashes
    the password). Following it also proves the email address, so it is marked verified."""
    user = password_reset_link_check(uid=uid, token=token)
    check_new_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user = user_locked(user)
        # Checked again under the lock: two submissions of one link must not both succeed.
        if not default_token_generator.check_token(user, token):
            raise invalid_token_error(PASSWORD_RESET_INVALID)
        user.set_password(new_password)
        fields = ["password"]
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
    return user
