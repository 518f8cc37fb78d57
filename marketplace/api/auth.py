"""Who is calling the API.

API clients send `Authorization: Bearer <access token>` (a JWT from POST /auth/token); the
HTML site's own scripts send the session cookie, with a CSRF token on writes. Endpoints that
need a signed-in caller use `auth=authenticated`, which accepts either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from marketplace.accounts.models import User
from marketplace.apitokens.selectors import token_user_resolve
from marketplace.errors import ApplicationError


class JWTBearer(HttpBearer):
    """An access token. A bad, expired or revoked one is a 401 at once: the request does
    not fall back to the session cookie."""

    openapi_bearerFormat = "JWT"

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = token_user_resolve(access_token=token)
        # Code below reads request.user as on the HTML site.
        request.user = user
        return user


class SessionCookie(SessionAuth):
    """The session cookie of the HTML site. A cookie is sent by the browser on its own, so
    writes authenticated by it need the CSRF token (django-ninja's SessionAuth checks it);
    a request without the cookie has nothing to forge and is simply not authenticated."""

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key is None:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApplicationError(
                "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.",
                code="csrf_failed",
                status=403,
            )
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        return super().authenticate(request, key)


def request_user(request: HttpRequest) -> User:
    """The caller an operation with `auth=authenticated` let in."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# The bearer scheme first: a request that carries a token never needs CSRF.
authenticated = [JWTBearer(), SessionCookie()]
