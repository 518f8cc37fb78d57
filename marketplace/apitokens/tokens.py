"""Signed JWTs for the API: encoding and checking, nothing stored.

A token carries only ids and times (user id, sign-in id, token id, type, issue and expiry
times), never personal data or secrets: JWTs are signed, not encrypted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from django.conf import settings
from django.utils.crypto import salted_hmac

from marketplace.errors import ApplicationError

TokenKind = Literal["access", "refresh"]

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["token_type", "sub", "sid", "jti", "iat", "exp"]


def invalid_token(message: str = "The token is invalid or has been revoked.") -> ApplicationError:
    return ApplicationError(message, code="invalid_token", status=401)


@dataclass(frozen=True)
class TokenClaims:
    kind: TokenKind
    user_id: int
    family_id: uuid.UUID
    jti: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def signing_key() -> bytes:
    """A key of its own, derived from SECRET_KEY: a leaked JWT key would not sign sessions,
    and rotating SECRET_KEY ends every API sign-in as it ends every session."""
    return salted_hmac("marketplace.apitokens.signing-key", "jwt", algorithm="sha256").digest()


def lifetime(kind: TokenKind) -> timedelta:
    if kind == "access":
        return settings.API_ACCESS_TOKEN_LIFETIME
    return settings.API_REFRESH_TOKEN_LIFETIME


def token_encode(
    *, kind: TokenKind, user_id: int, family_id: uuid.UUID, jti: uuid.UUID, now: datetime
) -> tuple[str, TokenClaims]:
    """Sign a token of `kind` issued at `now`; returns it with its claims."""
    claims = TokenClaims(
        kind=kind,
        user_id=user_id,
        family_id=family_id,
        jti=jti,
        issued_at=now,
        expires_at=now + lifetime(kind),
    )
    payload = {
        "token_type": kind,
        "sub": str(user_id),
        "sid": str(family_id),
        "jti": jti.hex,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    return jwt.encode(payload, signing_key(), algorithm=ALGORITHM), claims


def token_decode(*, token: str, kind: TokenKind, allow_expired: bool = False) -> TokenClaims:
    """The claims of a token we signed, of that kind and (unless `allow_expired`)
    not expired.

    Raises ApplicationError (401) with code "token_expired" or "invalid_token".
    """
    try:
        payload = jwt.decode(
            token,
            signing_key(),
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS, "verify_exp": not allow_expired},
        )
    except jwt.ExpiredSignatureError:
        raise ApplicationError("The token has expired.", code="token_expired", status=401) from None
    except jwt.InvalidTokenError:
        raise invalid_token() from None
    if payload["token_type"] != kind:
        raise invalid_token()
    try:
        return TokenClaims(
            kind=kind,
            user_id=int(payload["sub"]),
            family_id=uuid.UUID(payload["sid"]),
            jti=uuid.UUID(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], tz=UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], tz=UTC),
        )
    except (TypeError, ValueError):
        raise invalid_token() from None
