"""Closing an account ends its API sign-ins for good; the data export lists them."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import User
from marketplace.accounts.services import user_data_export, user_deactivate
from marketplace.apitokens.models import TokenFamily
from marketplace.apitokens.services import token_family_revoke, token_pair_refresh
from tests.api_auth.helpers import bearer, deliver_events, post_json, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

INVALID = {"detail": "The token is invalid or has been revoked.", "code": "invalid_token"}


def test_deactivation_ends_sign_ins_at_once_and_for_good(api):
    user = UserFactory()
    other = UserFactory()
    first = sign_in(user)
    second = sign_in(user)
    others = sign_in(other)
    token_family_revoke(refresh=second["refresh"])

    user_deactivate(user=user, password=PASSWORD)

    # Refused at once, before any consumer ran ...
    assert api.get("/api/v1/me", headers=bearer(first["access"])).json() == INVALID
    assert deliver_events("apitokens") == 1
    assert list(
        TokenFamily.objects.filter(user=user)
        .order_by("created_at")
        .values_list("revoked_reason", flat=True)
    ) == ["deactivated", "logout"]
    # ... and still refused if an admin reactivates the account.
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert api.get("/api/v1/me", headers=bearer(first["access"])).json() == INVALID
    assert post_json(api, "/api/v1/auth/token/refresh", {"refresh": first["refresh"]}).json() == (
        INVALID
    )
    # Nobody else's sign-in ended.
    assert api.get("/api/v1/me", headers=bearer(others["access"])).status_code == 200


def test_the_data_export_lists_api_sign_ins_without_tokens():
    user = UserFactory()
    first = sign_in(user)
    token_pair_refresh(refresh=first["refresh"])
    second = sign_in(user)
    token_family_revoke(refresh=second["refresh"])
    families = list(TokenFamily.objects.filter(user=user).order_by("created_at"))

    export = user_data_export(user=user)["api_sign_ins"]

    assert [(entry["started_at"], entry["ended_because"]) for entry in export] == [
        (families[0].created_at.isoformat(), None),
        (families[1].created_at.isoformat(), "Signed out"),
    ]
    assert export[0]["ended_at"] is None
    assert export[1]["ended_at"] == families[1].revoked_at.isoformat()
    assert export[0]["last_token_issued_at"] >= export[0]["started_at"]
    assert first["refresh"] not in str(export)
    assert set(export[0]) == {"started_at", "last_token_issued_at", "ended_at", "ended_because"}
