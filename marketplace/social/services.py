"""Writes that social sign-in makes to our users. Called from the allauth adapter."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils import timezone

from marketplace.accounts.models import User


def social_user_mark_email_verified(*, user: User) -> None:
    """Record that `user` owns their email because a sign-in provider verified it."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])


def social_link_by_email_prepare(*, user: User) -> bool:
    """Get `user` ready for allauth to link a provider account whose verified email is
    `user.email`. Returns True when allauth is about to remove their password.

    Before linking, allauth removes the password of an account whose address it does not
    know as verified: someone may have registered that address without owning it and
    still hold the password. Our verification flag is `email_verified_at`, not allauth's
    EmailAddress table, so we tell allauth what we know. A verified user keeps their
    password; an unverified one loses it, and their email counts as verified from now on
    because the provider has just proved who owns it.
    """
    if user.email_verified_at is not None:
        # Our User.email is unique, so another account's row for this address is stale (left
        # by an email change) and would break allauth's one-verified-owner constraint.
        EmailAddress.objects.filter(email__iexact=user.email).exclude(user=user).delete()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True}
        )
        return False
    social_user_mark_email_verified(user=user)
    return user.has_usable_password()
