"""Accounts themselves: registration and verification, email change, profile, deactivation
and the data export."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts import handlers
from marketplace.accounts.export import export_sections
from marketplace.accounts.models import User
from marketplace.accounts.services.checks import (
    check_current_password,
    check_new_password,
    email_normalized,
    email_taken_error,
    invalid_token_error,
    name_cleaned,
    user_locked,
)
from marketplace.accounts.throttling import (
    cooldown_start,
)
from marketplace.accounts.tokens import email_change_token_read, email_verification_token_read
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from tenants.models import Membership

VERIFICATION_RESEND_COOLDOWN = 60
EMAIL_CHANGE_COOLDOWN = 60


# --- registration and email verification ---------------------------------------------------


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an unverified account and email it a verification link (after commit).

    Unverified accounts can browse and buy; opening a shop needs a verified email.
    """
    email = email_normalized(email)
    name = name_cleaned(name)
    check_new_password(password, user=User(email=email, name=name), field="password")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            _email_verification_publish(user)
    except IntegrityError:  # the case-insensitive unique email: no check-then-create race
        raise email_taken_error("email") from None
    cooldown_start(key=f"verification:{user.pk}", seconds=VERIFICATION_RESEND_COOLDOWN)
    return user


def _email_verification_publish(user: User) -> None:
    publish_event(
        type=handlers.EMAIL_VERIFICATION_REQUESTED,
        key=str(user.pk),
        data={"user_id": user.pk, "email": user.email},
    )


def email_verification_send(*, user: User) -> None:
    """Email a fresh verification link; nothing happens when the email is verified already.

    Raises a 429 ApplicationError when a link went out less than a minute ago.
    """
    if user.is_email_verified:
        return
    if not cooldown_start(key=f"verification:{user.pk}", seconds=VERIFICATION_RESEND_COOLDOWN):
        raise ApplicationError(
            "We sent you a link less than a minute ago. Check your inbox and spam folder, "
            "or try again in a minute.",
            code="throttled",
            status=429,
        )
    with transaction.atomic():
        _email_verification_publish(user)


def email_verify(*, token: str) -> User:
    """Mark the account's email verified. Following a link again is harmless."""
    invalid = invalid_token_error(
        "This verification link is invalid or has expired. Sign in and ask for a new one."
    )
    try:
        payload = email_verification_token_read(token)
    except signing.BadSignature:
        raise invalid from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload["user"], is_active=True).first()
        # A link made for an address the account no longer has proves nothing.
        if user is None or user.email != payload["email"]:
            raise invalid
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
    return user


# --- email change ---------------------------------------------------------------------------


def email_change_request(*, user: User, new_email: str, password: str) -> None:
    """Email a confirmation link to the new address. The account keeps its email until the
    link is followed; the old address is told when the change happens."""
    check_current_password(user, password, field="password")
    new_email = email_normalized(new_email, field="new_email")
    if new_email == user.email.lower():
        raise ApplicationError(
            "That is your email address already.", code="email_unchanged", field="new_email"
        )
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        # A courtesy answer only; email_change_confirm relies on the unique constraint.
        raise email_taken_error("new_email")
    # Otherwise anyone signed in could make us mail any address without limit.
    if not cooldown_start(key=f"email-change:{user.pk}", seconds=EMAIL_CHANGE_COOLDOWN):
        raise ApplicationError(
            "We sent a confirmation link less than a minute ago. Check that inbox, or try "
            "again in a minute.",
            code="throttled",
            field="new_email",
            status=429,
        )
    with transaction.atomic():
        publish_event(
            type=handlers.EMAIL_CHANGE_REQUESTED,
            key=str(user.pk),
            data={"user_id": user.pk, "old_email": user.email, "new_email": new_email},
        )


EMAIL_CHANGE_INVALID = (
    "This confirmation link is invalid, has expired or was used already. "
    "Ask for a new one from your account page."
)


def _email_change_payload(token: str) -> dict[str, Any]:
    try:
        return email_change_token_read(token)
    except signing.BadSignature:
        raise invalid_token_error(EMAIL_CHANGE_INVALID) from None


def email_change_link_check(*, token: str) -> str:
    """The new address an email-change link would switch to; ApplicationError
    (code="invalid_token") when the link cannot be used (any more)."""
    payload = _email_change_payload(token)
    if not User.objects.filter(pk=payload["user"], is_active=True, email=payload["old"]).exists():
        raise invalid_token_error(EMAIL_CHANGE_INVALID)
    return str(payload["new"])


def email_change_confirm(*, token: str) -> User:
    """Switch the account to the address the link was sent to, now verified."""
    payload = _email_change_payload(token)
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=payload["user"]).first()
            # The old address in the token must still be the account's: one use only.
            if user is None or not user.is_active or user.email != payload["old"]:
                raise invalid_token_error(EMAIL_CHANGE_INVALID)
            user.email = payload["new"]
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email", "email_verified_at"])
            publish_event(
                type=handlers.EMAIL_CHANGED,
                key=str(user.pk),
                data={"user_id": user.pk, "old_email": payload["old"], "new_email": user.email},
            )
    except IntegrityError:  # someone registered the address since the link was sent
        raise email_taken_error(None) from None
    return user


# --- profile and deactivation ---------------------------------------------------------------


def user_profile_update(*, user: User, name: str) -> User:
    user.name = name_cleaned(name)
    user.save(update_fields=["name"])
    return user


def user_deactivate(*, user: User, password: str) -> None:
    """Close the account: it can no longer sign in and its sessions end. Refused while the
    user is the only owner of a shop, which would otherwise be left without one."""
    check_current_password(user, password, field="password")
    with transaction.atomic():
        user = user_locked(user)
        # The owner rows of every shop this user owns, locked in id order as team changes
        # lock them (tenants.team), so a co-owner leaving at the same moment waits for us.
        owners = list(
            Membership.objects.select_for_update(of=("self",))
            .filter(
                shop__in=Membership.objects.filter(user=user, role=Membership.Role.OWNER).values(
                    "shop"
                ),
                role=Membership.Role.OWNER,
            )
            .select_related("shop", "user")
            .order_by("id")
        )
        # A deactivated co-owner can't run the shop: only active ones count.
        covered = {o.shop_id for o in owners if o.user_id != user.pk and o.user.is_active}
        sole_owned = sorted(
            {o.shop.name for o in owners if o.user_id == user.pk and o.shop_id not in covered}
        )
        if sole_owned:
            raise ApplicationError(
                f"You are the only owner of {', '.join(sole_owned)}. Make someone else an "
                "owner first, then close your account.",
                code="sole_owner",
                status=409,
            )
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        publish_event(type="user.deactivated", key=str(user.pk), data={"user_id": user.pk})


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything we hold about the user, JSON-serialisable, one key per export section
    (marketplace.accounts.export)."""
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for name, section in export_sections().items():
        data[name] = section(user)
    return data
