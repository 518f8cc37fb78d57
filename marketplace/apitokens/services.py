"""API sign-ins: issue, rotate and revoke token pairs.

A sign-in (TokenFamily) starts with `token_pair_issue`. Each refresh exchanges the one
usable refresh token for a new pair; the old one is kept, marked used, so that presenting
it again is recognised as reuse: someone else holds a copy, and the whole sign-in is
revoked.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.apitokens.models import RefreshToken, TokenFamily
from marketplace.apitokens.selectors import token_family_usable
from marketplace.apitokens.tokens import invalid_token, lifetime, token_decode, token_encode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int  # seconds the access token lives


def token_pair_issue(*, user: User) -> TokenPair:
    """Start a new API sign-in for `user`, whose credentials the caller has checked, and
    return its first pair."""
    now = timezone.now()
    with transaction.atomic():
        family = TokenFamily.objects.create(
            user=user, created_at=now, password_fingerprint=user.get_session_auth_hash()
        )
        return _pair_issue(family=family, now=now)


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair (rotation); the presented token stops working.

    A refresh token that was already exchanged ends its whole sign-in: its legitimate
    holder and whoever copied it must both sign in again.
    Raises ApplicationError (401) with code "invalid_token" or "token_expired".
    """
    claims = token_decode(token=refresh, kind="refresh")
    now = timezone.now()
    with transaction.atomic():
        # The row lock makes two concurrent refreshes with one token take turns: the
        # second sees the token used and is treated as reuse.
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("family__user")
            .filter(jti=claims.jti, family_id=claims.family_id, family__user_id=claims.user_id)
            .first()
        )
        if token is None or token.family.revoked_at is not None:
            raise invalid_token()
        if token.used_at is None:
            if not token_family_usable(family=token.family):
                raise invalid_token()
            token.used_at = now
            token.save(update_fields=["used_at"])
            return _pair_issue(family=token.family, now=now)
        _family_revoke(family_id=token.family_id, reason=TokenFamily.RevokedReason.REUSE, now=now)
    # Outside the block: the revocation must commit although the request fails.
    logger.warning(
        "Refresh token reuse: sign-in %s of user %s revoked", claims.family_id, claims.user_id
    )
    raise invalid_token("This refresh token was already used, so its sign-in has been ended.")


def token_family_revoke(*, refresh: str) -> None:
    """Sign out: end the sign-in that `refresh` belongs to. Its access tokens stop working
    too. Ending an ended sign-in is a no-op; an expired refresh token still signs out.

    Raises ApplicationError (401, "invalid_token") for a token we did not issue.
    """
    claims = token_decode(token=refresh, kind="refresh", allow_expired=True)
    exists = RefreshToken.objects.filter(
        jti=claims.jti, family_id=claims.family_id, family__user_id=claims.user_id
    ).exists()
    if not exists:
        raise invalid_token()
    _family_revoke(
        family_id=claims.family_id, reason=TokenFamily.RevokedReason.LOGOUT, now=timezone.now()
    )


def token_families_revoke(*, user_id: int, reason: str) -> int:
    """End every sign-in of the user; returns how many were still running."""
    return TokenFamily.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def token_families_purge(*, now: datetime | None = None) -> int:
    """Delete sign-ins that have no refresh token left that expires after `now`; returns how
    many. Their access tokens expired before their last refresh token did."""
    now = now or timezone.now()
    _, by_model = TokenFamily.objects.exclude(refresh_tokens__expires_at__gt=now).delete()
    return by_model.get(TokenFamily._meta.label, 0)


def _family_revoke(*, family_id: uuid.UUID, reason: str, now: datetime) -> None:
    # The filter keeps the first revocation's time and reason.
    TokenFamily.objects.filter(id=family_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )


def _pair_issue(*, family: TokenFamily, now: datetime) -> TokenPair:
    """Requires an open transaction, and the family's previous refresh token (if any)
    already marked used."""
    refresh_jti = uuid.uuid4()
    refresh, refresh_claims = token_encode(
        kind="refresh", user_id=family.user_id, family_id=family.id, jti=refresh_jti, now=now
    )
    RefreshToken.objects.create(
        jti=refresh_jti, family=family, issued_at=now, expires_at=refresh_claims.expires_at
    )
    access, _ = token_encode(
        kind="access", user_id=family.user_id, family_id=family.id, jti=uuid.uuid4(), now=now
    )
    return TokenPair(
        access=access, refresh=refresh, expires_in=int(lifetime("access").total_seconds())
    )
