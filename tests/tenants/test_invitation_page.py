"""/invitations/<token>/: what the emailed link shows, and accepting it in the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import Invitation, Membership
from tenants.services import shop_suspend
from tenants.team import invitation_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(world, mailoutbox, django_capture_on_commit_callbacks) -> str:
    actor = Membership.objects.get(shop=world.shop_a, user=world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=actor, shop=world.shop_a, email="joiner@example.test", role="staff")
    match = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mailoutbox[-1].body)
    assert match
    return match[1]


def members() -> list[tuple[str, str, str]]:
    return sorted(Membership.objects.values_list("shop__slug", "user__email", "role"))


def test_anonymous_visitors_see_the_invitation_and_how_to_accept(world, client, token):
    response = client.get(f"/invitations/{token}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "You're invited to work for <strong>Alpha Goods</strong> as <strong>staff</strong>." in (
        body.replace("&#x27;", "'")
    )
    assert "j•••@example.test" in body
    assert "joiner@example.test" not in body
    assert f'href="/accounts/login/?next=/invitations/{token}/"' in body
    assert f'href="/accounts/register/?next=/invitations/{token}/"' in body


def test_anonymous_accepting_is_sent_to_sign_in_first(world, client, token):
    before = members()

    response = client.post(f"/invitations/{token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/invitations/{token}/"
    assert members() == before


def test_the_invited_person_accepts_and_lands_on_the_dashboard(world, as_user, token):
    joiner = UserFactory(email="joiner@example.test")
    client = as_user(joiner)

    page = client.get(f"/invitations/{token}/")
    response = client.post(f"/invitations/{token}/")

    assert page.status_code == 200
    assert "Accept and open the dashboard" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/sell/alpha-goods/"
    assert ("alpha-goods", "joiner@example.test", "staff") in members()
    dashboard = client.get("/sell/alpha-goods/")
    assert dashboard.status_code == 200
    assert "Welcome to Alpha Goods! You joined as staff." in dashboard.content.decode()
    used = client.get(f"/invitations/{token}/")
    assert used.status_code == 410
    assert "This invitation has already been used." in used.content.decode()


def test_another_account_is_refused_and_shown_how_to_switch(world, as_user, token):
    before = members()
    client = as_user(world.shopper)

    page = client.get(f"/invitations/{token}/")
    post = client.post(f"/invitations/{token}/")

    for response in (page, post):
        assert response.status_code == 403
        body = response.content.decode()
        assert "This invitation was sent to another email address." in body
        assert "You are signed in as shopper@example.test" in body
        assert "Sign out and use another account" in body
    assert members() == before
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_link_says_so(world, as_user, token):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    before = members()
    client = as_user(UserFactory(email="joiner@example.test"))

    page = client.get(f"/invitations/{token}/")
    post = client.post(f"/invitations/{token}/")

    assert (page.status_code, post.status_code) == (410, 410)
    assert "This invitation has expired. Ask the shop to invite you again." in post.content.decode()
    assert members() == before


def test_an_unknown_link_is_not_found(world, client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "This invitation link isn" in response.content.decode()


def test_someone_already_in_the_shop_is_sent_to_the_dashboard(world, as_user, token):
    Membership.objects.create(
        shop=world.shop_a, user=UserFactory(email="joiner@example.test"), role="manager"
    )
    before = members()
    client = as_user(Membership.objects.get(user__email="joiner@example.test").user)

    response = client.post(f"/invitations/{token}/")

    assert response.status_code == 409
    assert 'href="/sell/alpha-goods/"' in response.content.decode()
    assert members() == before


def test_a_suspended_shop_takes_no_new_members(world, as_user, token):
    shop_suspend(shop=world.shop_a, reason="Under review", by=UserFactory(is_staff=True))
    before = members()

    response = as_user(UserFactory(email="joiner@example.test")).post(f"/invitations/{token}/")

    assert response.status_code == 403
    assert members() == before


def test_accepting_through_the_api(world, as_user, token):
    joiner = UserFactory(email="joiner@example.test")

    response = as_user(joiner).post(
        "/api/v1/invitations/accept", {"token": token}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["shop"]["slug"]) == ("staff", "alpha-goods")
    again = as_user(joiner).post(
        "/api/v1/invitations/accept", {"token": token}, content_type="application/json"
    )
    assert again.status_code == 410
    assert again.json() == {
        "detail": "This invitation has already been used.",
        "code": "invitation_accepted",
    }


def test_the_api_refuses_another_account(world, as_user, token):
    before = members()

    response = as_user(world.shopper).post(
        "/api/v1/invitations/accept", {"token": token}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invitation_email_mismatch"
    assert members() == before
