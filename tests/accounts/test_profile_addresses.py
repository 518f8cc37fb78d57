"""The profile page and saved shipping addresses."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from marketplace.accounts.models import Address, User
from marketplace.accounts.services import MAX_ADDRESSES, address_create
from marketplace.errors import ApplicationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESSES = "/accounts/addresses/"
HOME = {
    "full_name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}


def make_address(user: User, **overrides: str | bool) -> Address:
    return address_create(user=user, **{**HOME, **overrides})  # type: ignore[arg-type]


def rows(user: User) -> list[tuple[str, bool]]:
    return list(Address.objects.filter(user=user).order_by("id").values_list("line1", "is_default"))


# --- profile ----------------------------------------------------------------------------


def test_the_profile_page_shows_the_account_and_links_to_everything(as_user):
    user = UserFactory(email="me@example.test", name="Me Myself")

    response = as_user(user).get("/accounts/")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.content.decode()
    assert "me@example.test" in body
    assert 'value="Me Myself"' in body
    for path in (
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/addresses/",
        "/accounts/notifications/",
        "/accounts/export/",
        "/accounts/deactivate/",
    ):
        assert f'href="{path}"' in body


def test_saving_the_name(as_user):
    user = UserFactory(name="Old Name")

    response = as_user(user).post("/accounts/", {"name": "  New   Name "})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.name == "New Name"


def test_a_too_long_name_is_refused_and_kept_in_the_form(as_user):
    user = UserFactory(name="Old Name")

    response = as_user(user).post("/accounts/", {"name": "x" * 151})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "name": ["Ensure this value has at most 150 characters (it has 151)."]
    }
    assert 'value="' + "x" * 151 + '"' in response.content.decode()
    user.refresh_from_db()
    assert user.name == "Old Name"


def test_the_profile_form_cannot_set_anything_but_the_name(as_user):
    user = UserFactory(name="Old Name")

    as_user(user).post(
        "/accounts/",
        {"name": "N", "is_staff": "on", "is_superuser": "on", "email": "x@example.test"},
    )

    user.refresh_from_db()
    assert (user.name, user.is_staff, user.is_superuser, user.email) == (
        "N",
        False,
        False,
        user.email,
    )
    assert not User.objects.filter(email="x@example.test").exists()


def test_the_notifications_page_offers_the_settings(as_user):
    response = as_user(UserFactory()).get("/accounts/notifications/")

    assert response.status_code == 200
    assert 'name="discount_started.email"' in response.content.decode()


# --- addresses --------------------------------------------------------------------------


def test_the_first_address_becomes_the_default(as_user):
    user = UserFactory()

    response = as_user(user).post("/accounts/addresses/new/", HOME)

    assert response.status_code == 302
    assert response["Location"] == ADDRESSES
    address = Address.objects.get(user=user)
    assert (address.full_name, address.postal_code, address.country, address.is_default) == (
        "Ada Lovelace",
        "SW1Y 4JH",
        "GB",
        True,
    )


def test_a_new_default_takes_over_from_the_old_one(as_user):
    user = UserFactory()
    make_address(user, line1="First")

    as_user(user).post("/accounts/addresses/new/", {**HOME, "line1": "Second", "is_default": "on"})
    as_user(user).post("/accounts/addresses/new/", {**HOME, "line1": "Third"})

    assert rows(user) == [("First", False), ("Second", True), ("Third", False)]


def test_make_default_moves_the_default(as_user):
    user = UserFactory()
    make_address(user, line1="First")
    second = make_address(user, line1="Second")

    response = as_user(user).post(f"{ADDRESSES}{second.pk}/default/")

    assert response.status_code == 302
    assert rows(user) == [("First", False), ("Second", True)]


def test_deleting_the_default_hands_it_to_the_newest_remaining(as_user):
    user = UserFactory()
    first = make_address(user, line1="First")
    make_address(user, line1="Second")
    make_address(user, line1="Third")

    response = as_user(user).post(f"{ADDRESSES}{first.pk}/delete/")

    assert response.status_code == 302
    assert rows(user) == [("Second", False), ("Third", True)]


def test_editing_an_address(as_user):
    user = UserFactory()
    address = make_address(user)

    form = as_user(user).get(f"{ADDRESSES}{address.pk}/edit/")
    response = as_user(user).post(f"{ADDRESSES}{address.pk}/edit/", {**HOME, "city": "Cambridge"})

    assert form.status_code == 200
    assert 'value="12 St James&#x27;s Square"' in form.content.decode()
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.city, address.is_default) == ("Cambridge", True)


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"country": "XX"},
            {"country": ["Select a valid choice. XX is not one of the available choices."]},
        ),
        ({"line1": ""}, {"line1": ["This field is required."]}),
        (
            {"phone": "call me"},
            {"phone": ["Enter a phone number of digits, spaces and + ( ) - . /"]},
        ),
    ],
)
def test_bad_input_is_refused_at_the_field_and_nothing_is_saved(as_user, change, errors):
    user = UserFactory()

    response = as_user(user).post("/accounts/addresses/new/", {**HOME, **change})

    assert response.status_code == 422
    assert response.context["form"].errors == errors
    assert 'value="Ada Lovelace"' in response.content.decode()  # what was typed stays
    assert rows(user) == []


def test_the_service_validates_too():
    user = UserFactory()

    with pytest.raises(ApplicationError) as raised:
        make_address(user, country="ZZ")

    assert (raised.value.field, raised.value.message) == (
        "country",
        "Choose a country from the list.",
    )
    assert rows(user) == []


def test_the_database_allows_one_default_per_user():
    user = UserFactory()
    make_address(user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=user, is_default=True, **HOME)


def test_there_is_a_limit_on_saved_addresses():
    user = UserFactory()
    Address.objects.bulk_create(
        [Address(user=user, **{**HOME, "line1": f"No. {n}"}) for n in range(MAX_ADDRESSES)]
    )

    with pytest.raises(ApplicationError) as raised:
        make_address(user)

    assert (raised.value.code, raised.value.status) == ("too_many_addresses", 409)
    assert Address.objects.filter(user=user).count() == MAX_ADDRESSES


def test_the_list_is_paginated_with_a_fixed_number_of_queries(as_user, django_assert_num_queries):
    user = UserFactory()
    Address.objects.bulk_create(
        [Address(user=user, **{**HOME, "line1": f"No. {n}"}) for n in range(25)]
    )
    client = as_user(user)
    client.get(ADDRESSES)  # warm the session cache

    # user, count, page; the search path was set by the warm-up request and stays.
    with django_assert_num_queries(3):
        first = client.get(ADDRESSES)
    second = client.get(ADDRESSES + "?page=2")

    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 5
    assert first.context["page_obj"].paginator.count == 25


def test_an_empty_list_invites_to_add_one(as_user):
    response = as_user(UserFactory()).get(ADDRESSES)

    assert response.status_code == 200
    assert "No saved addresses" in response.content.decode()


def test_the_list_shows_only_my_addresses(as_user):
    me, other = UserFactory(), UserFactory()
    make_address(me, line1="My street 1")
    make_address(other, line1="Their street 2")

    body = as_user(me).get(ADDRESSES).content.decode()

    assert "My street 1" in body
    assert "Their street 2" not in body


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "edit/", None),
        ("post", "edit/", {**HOME, "city": "Stolen"}),
        ("post", "delete/", None),
        ("post", "default/", None),
    ],
)
def test_another_persons_address_is_not_found_and_stays_as_it_was(
    world, as_user, method, suffix, data
):
    owner = UserFactory()
    make_address(owner, line1="Default one")
    theirs = make_address(owner, line1="Other one")
    before = rows(owner)

    for intruder in (world.shopper, world.owner_a, UserFactory(is_staff=True)):
        client = as_user(intruder)
        response = getattr(client, method)(f"{ADDRESSES}{theirs.pk}/{suffix}", data)
        assert response.status_code == 404

    assert rows(owner) == before
    theirs.refresh_from_db()
    assert theirs.city == "London"
