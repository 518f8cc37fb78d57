"""Facts about an HTTP request that several packages need."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the server gave none.

    REMOTE_ADDR only: X-Forwarded-For is written by the client unless a proxy we run
    rewrites it, and uvicorn's --proxy-headers already puts the real client address here
    (docs/decisions.md). None rather than a placeholder, so clients without an address
    never share one throttle counter.
    """
    return request.META.get("REMOTE_ADDR") or None
