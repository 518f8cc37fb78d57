"""Reads of API sign-ins: who an access token speaks for."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.crypto import constant_time_compare

from marketplace.accounts.models import User
from marketplace.apitokens.models import TokenFamily
from marketplace.apitokens.tokens import invalid_token, token_decode
from marketplace.timestamps import isoformat_or_none


def token_family_usable(*, family: TokenFamily) -> bool:
    """Whether the sign-in still speaks for its user: not revoked, the user still active and
    the password unchanged since it was issued. Requires `family.user` loaded."""
    user = family.user
    return (
        family.revoked_at is None
        and user.is_active
        and constant_time_compare(family.password_fingerprint, user.get_session_auth_hash())
    )


def token_user_resolve(*, access_token: str) -> User:
    """The user an access token was issued to, checked against the database (one query):
    a revoked sign-in, a deactivated user or a changed password end it before it expires.

    Raises ApplicationError (401) with code "token_expired" or "invalid_token".
    """
    claims = token_decode(token=access_token, kind="access")
    family = (
        TokenFamily.objects.select_related("user")
        .filter(id=claims.family_id, user_id=claims.user_id)
        .first()
    )
    if family is None or not token_family_usable(family=family):
        raise invalid_token()
    return family.user


def token_families_for_export(user: User) -> list[dict[str, Any]]:
    """The user's API sign-ins for their data export (no tokens: they are credentials)."""
    families = (
        TokenFamily.objects.filter(user=user)
        .annotate(last_token_issued_at=Max("refresh_tokens__issued_at"))
        .order_by("created_at", "id")
    )
    return [
        {
            "started_at": family.created_at.isoformat(),
            "last_token_issued_at": isoformat_or_none(family.last_token_issued_at),
            "ended_at": isoformat_or_none(family.revoked_at),
            "ended_because": family.get_revoked_reason_display() if family.revoked_at else None,
        }
        for family in families
    ]
