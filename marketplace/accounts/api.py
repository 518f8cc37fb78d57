"""Account and authentication endpoints under /api/v1/auth/ and /api/v1/me."""

from ninja import Router

router = Router(tags=["auth"])
