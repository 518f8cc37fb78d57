"""Who may use which /accounts/ route, methods, and CSRF on every form."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from marketplace.accounts.models import Address, User
from marketplace.accounts.services import address_create
from tests.accounts.conftest import account_events
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PRIVATE_PAGES = [
    "/accounts/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/addresses/",
    "/accounts/addresses/new/",
    "/accounts/notifications/",
    "/accounts/deactivate/",
    "/accounts/export/",
]
PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
]


def login_redirect(path: str) -> str:
    return f"/accounts/login/?next={quote(path)}"


@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == login_redirect(path)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_sign_in_register_and_reset_pages_are_open(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", PRIVATE_PAGES)
@pytest.mark.parametrize("who", ["shopper", "staff_a", "manager_a", "owner_a", "owner_b"])
def test_every_signed_in_person_has_their_own_account_pages(world, as_user, path, who):
    assert as_user(getattr(world, who)).get(path).status_code == 200


def test_anonymous_writes_change_nothing(world, client):
    address = address_create(user=world.shopper, full_name="S", line1="L", city="C", country="DE")
    before = list(Address.objects.values_list("id", "is_default", "city"))
    new_password = {"old_password": PASSWORD, "new_password": "zzz-new-pass-1"}
    an_address = {"full_name": "A", "line1": "B", "city": "X", "country": "DE"}
    posts = {
        "/accounts/": {"name": "Hacked"},
        "/accounts/email/": {"new_email": "x@example.test", "password": PASSWORD},
        "/accounts/password/change/": new_password,
        "/accounts/addresses/new/": an_address,
        f"/accounts/addresses/{address.pk}/edit/": an_address,
        f"/accounts/addresses/{address.pk}/delete/": {},
        f"/accounts/addresses/{address.pk}/default/": {},
        "/accounts/deactivate/": {"password": PASSWORD, "confirm": "on"},
        "/accounts/verify/resend/": {},
    }  # fmt: skip

    for path, data in posts.items():
        response = client.post(path, data)
        assert response.status_code == 302, path
        assert response["Location"] == login_redirect(path)

    assert list(Address.objects.values_list("id", "is_default", "city")) == before
    shopper = User.objects.get(pk=world.shopper.pk)
    assert (shopper.name, shopper.is_active) == (world.shopper.name, True)
    assert shopper.check_password(PASSWORD)
    assert account_events() == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/logout/",
        "/accounts/verify/resend/",
        "/accounts/addresses/1/delete/",
        "/accounts/addresses/1/default/",
    ],
)
def test_post_only_routes_refuse_get(world, as_user, path):
    assert as_user(world.shopper).get(path).status_code == 405


@pytest.mark.parametrize("path", ["/accounts/export/", "/accounts/notifications/"])
def test_read_only_routes_refuse_post(world, as_user, path):
    assert as_user(world.shopper).post(path).status_code == 405


def csrf_client(user: User | None = None) -> Client:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_every_form_needs_the_csrf_token(world):
    user = UserFactory(email="csrf@example.test", name="Before")
    address = address_create(user=user, full_name="S", line1="L", city="C", country="DE")
    signed_in = csrf_client(user)
    anonymous = csrf_client()
    new_password = {"old_password": PASSWORD, "new_password": "zzz-new-pass-1"}
    an_address = {"full_name": "A", "line1": "B", "city": "C", "country": "DE"}
    attempts = [
        (anonymous, "/accounts/login/", {"username": "csrf@example.test", "password": PASSWORD}),
        (anonymous, "/accounts/register/", {"email": "new@example.test", "password": "long-9-x"}),
        (anonymous, "/accounts/password/reset/", {"email": "csrf@example.test"}),
        (signed_in, "/accounts/", {"name": "After"}),
        (signed_in, "/accounts/email/", {"new_email": "x@example.test", "password": PASSWORD}),
        (signed_in, "/accounts/password/change/", new_password),
        (signed_in, "/accounts/addresses/new/", an_address),
        (signed_in, f"/accounts/addresses/{address.pk}/delete/", {}),
        (signed_in, "/accounts/deactivate/", {"password": PASSWORD, "confirm": "on"}),
        (signed_in, "/accounts/verify/resend/", {}),
        (signed_in, "/accounts/logout/", {}),
    ]  # fmt: skip

    for client, path, data in attempts:
        assert client.post(path, data).status_code == 403, path

    user.refresh_from_db()
    assert (user.name, user.email, user.is_active) == ("Before", "csrf@example.test", True)
    assert user.check_password(PASSWORD)
    assert list(Address.objects.filter(user=user).values_list("id", flat=True)) == [address.pk]
    assert not User.objects.filter(email="new@example.test").exists()
    assert account_events() == []
    assert signed_in.get("/accounts/").status_code == 200  # still signed in: logout refused
    assert "_auth_user_id" not in anonymous.session


def test_forms_work_with_the_csrf_token(world):
    client = csrf_client()
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value

    response = client.post(
        "/accounts/login/",
        {"username": "shopper@example.test", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
