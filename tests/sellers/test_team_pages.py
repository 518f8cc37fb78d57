"""The team, invitations and profile pages of the dashboard, and the shop switcher."""

from __future__ import annotations

import re

import pytest

from tenants.models import Invitation, Membership, Shop
from tests.factories import UserFactory, add_member, make_shop
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db

TEAM = "/sell/alpha-goods/team/"
INVITATIONS = "/sell/alpha-goods/invitations/"
PROFILE = "/sell/alpha-goods/profile/"


def roles() -> list[tuple[str, str]]:
    return sorted(
        Membership.objects.filter(shop__slug="alpha-goods").values_list("user__email", "role")
    )


def controls(response) -> dict[str, tuple[bool, bool]]:  # type: ignore[no-untyped-def]
    """email → (has a role selector, has a remove button) on the team page."""
    return {
        member.user.email: (member.can_change_role, member.can_remove)
        for member in response.context["page_obj"].object_list
    }


# --- the team page ----------------------------------------------------------------------


def test_the_team_lists_owners_first_with_the_controls_an_owner_has(world, as_user):
    response = as_user(world.owner_a).get(TEAM)

    assert response.status_code == 200
    assert [(m.user.email, m.role) for m in response.context["page_obj"].object_list] == [
        ("owner-a@example.test", "owner"),
        (world.manager_a.email, "manager"),
        (world.staff_a.email, "staff"),
    ]
    assert controls(response) == {
        "owner-a@example.test": (True, False),  # yourself: leave instead of remove
        world.manager_a.email: (True, True),
        world.staff_a.email: (True, True),
    }
    body = response.content.decode()
    assert "3 people work for Alpha Goods." in body
    assert '<option value="owner">Owner</option>' in body
    assert "Leave this shop" in body


def test_a_manager_gets_no_controls_over_owners_and_no_owner_choice(world, as_user):
    response = as_user(world.manager_a).get(TEAM)

    assert controls(response) == {
        "owner-a@example.test": (False, False),
        world.manager_a.email: (True, False),
        world.staff_a.email: (True, True),
    }
    assert 'value="owner"' not in response.content.decode()


def test_staff_see_the_team_without_controls(world, as_user):
    response = as_user(world.staff_a).get(TEAM)

    assert response.status_code == 200
    assert set(controls(response).values()) == {(False, False)}
    body = response.content.decode()
    assert "Invite someone" not in body
    assert 'href="/sell/alpha-goods/invitations/"' not in body  # nav hides what staff can't use


def test_the_team_is_paginated_by_25(world, as_user):
    for _ in range(25):
        add_member(shop=world.shop_a, role="staff")

    first = as_user(world.owner_a).get(TEAM)
    second = as_user(world.owner_a).get(TEAM, {"page": 2})

    assert first.context["page_obj"].paginator.count == 28
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 3


def test_changing_a_role_redirects_with_a_message(world, as_user):
    staff = Membership.objects.get(user=world.staff_a)
    client = as_user(world.owner_a)

    response = client.post(f"{TEAM}{staff.id}/role/", {"role": "manager"})

    assert (response.status_code, response["Location"]) == (302, TEAM)
    assert f"{world.staff_a.email} is now manager." in client.get(TEAM).content.decode()
    assert (world.staff_a.email, "manager") in roles()


def test_a_bad_role_is_shown_on_its_row_and_nothing_changes(world, as_user):
    staff = Membership.objects.get(user=world.staff_a)
    before = roles()

    response = as_user(world.owner_a).post(f"{TEAM}{staff.id}/role/", {"role": "emperor"})

    assert response.status_code == 400
    assert response.context["row_error"] == {
        "id": staff.id,
        "message": "Choose owner, manager or staff.",
    }
    assert re.search(
        rf'<tr id="member-{staff.id}">.*?Choose owner, manager or staff\..*?</tr>',
        response.content.decode(),
        flags=re.DOTALL,
    )
    assert roles() == before


def test_demoting_the_last_owner_is_a_conflict_shown_on_the_row(world, as_user):
    owner = Membership.objects.get(user=world.owner_a, shop=world.shop_a)
    before = roles()

    response = as_user(world.owner_a).post(f"{TEAM}{owner.id}/role/", {"role": "staff"})

    assert response.status_code == 409
    assert response.context["row_error"]["message"].startswith(
        "Alpha Goods needs at least one owner."
    )
    assert roles() == before


def test_a_member_of_another_shop_is_not_found_here(world, as_user):
    other = Membership.objects.get(user=world.owner_b)

    response = as_user(world.owner_a).post(f"{TEAM}{other.id}/remove/")

    assert response.status_code == 404
    assert "That person doesn&#x27;t work for this shop (any more)." in response.content.decode()
    assert Membership.objects.filter(id=other.id).exists()


def test_removing_someone(world, as_user):
    staff = Membership.objects.get(user=world.staff_a)
    client = as_user(world.manager_a)

    response = client.post(f"{TEAM}{staff.id}/remove/")

    assert (response.status_code, response["Location"]) == (302, TEAM)
    assert f"{world.staff_a.email} no longer work here." in client.get(TEAM).content.decode()
    assert not Membership.objects.filter(id=staff.id).exists()


def test_leaving_goes_back_to_your_shops(world, as_user):
    client = as_user(world.staff_a)

    response = client.post(TEAM + "leave/")

    assert (response.status_code, response["Location"]) == (302, "/sell/")
    assert not Membership.objects.filter(user=world.staff_a).exists()
    assert client.get(TEAM).status_code == 403


# --- invitations ------------------------------------------------------------------------


def test_inviting_sends_the_email_and_lists_the_invitation(
    world, as_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = as_user(world.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITATIONS, {"email": "helper@example.test", "role": "staff"})

    assert (response.status_code, response["Location"]) == (302, INVITATIONS)
    (mail,) = mailoutbox
    assert mail.to == ["helper@example.test"]
    assert re.search(r"http://localhost:8000/invitations/[A-Za-z0-9_-]{43}/", mail.body)
    page = client.get(INVITATIONS)
    assert [(i.email, i.role) for i in page.context["page_obj"].object_list] == [
        ("helper@example.test", "staff")
    ]
    body = page.content.decode()
    assert "Invitation sent to helper@example.test. The link works for 7 days." in body
    assert 'value="owner"' not in body  # managers don't invite owners


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "nope", "role": "staff"}, "email", "Enter a valid email address."),
        ({"email": "", "role": "staff"}, "email", "This field is required."),
        ({"email": "owner-a@example.test", "role": "staff"}, "email",
         "owner-a@example.test already works for Alpha Goods."),
    ],
)  # fmt: skip
def test_bad_invitations_are_shown_at_the_field(world, as_user, mailoutbox, data, field, message):
    response = as_user(world.owner_a).post(INVITATIONS, data)

    assert response.status_code == 422
    assert response.context["form"].errors == {field: [message]}
    assert response.context["form"]["email"].value() == data["email"]
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_withdrawing_an_invitation(world, as_user):
    client = as_user(world.owner_a)
    client.post(INVITATIONS, {"email": "helper@example.test", "role": "staff"})
    invitation = Invitation.objects.get()

    response = client.post(f"{INVITATIONS}{invitation.id}/revoke/")

    assert (response.status_code, response["Location"]) == (302, INVITATIONS)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(client.get(INVITATIONS).context["page_obj"].object_list) == []


def test_withdrawing_twice_says_so(world, as_user):
    client = as_user(world.owner_a)
    client.post(INVITATIONS, {"email": "helper@example.test", "role": "staff"})
    invitation = Invitation.objects.get()
    client.post(f"{INVITATIONS}{invitation.id}/revoke/")

    response = client.post(f"{INVITATIONS}{invitation.id}/revoke/", follow=True)

    assert "That invitation was already accepted or revoked." in response.content.decode()


# --- the profile ------------------------------------------------------------------------


def test_an_owner_edits_the_profile_and_uploads_a_logo(world, as_user, media_root):
    client = as_user(world.owner_a)

    response = client.post(
        PROFILE,
        {
            "name": "Alpha Goods & Co",
            "description": "Lamps.",
            "support_email": "care@alpha.example",
            "country": "NL",
            "logo": upload(image_bytes("PNG")),
        },
    )

    assert (response.status_code, response["Location"]) == (302, PROFILE)
    shop = Shop.objects.get(slug="alpha-goods")
    assert (shop.name, shop.description, shop.support_email, shop.country) == (
        "Alpha Goods & Co",
        "Lamps.",
        "care@alpha.example",
        "NL",
    )
    assert (media_root / shop.logo.name).exists()
    page = client.get(PROFILE)
    assert f'src="/media/{shop.logo.name}"' in page.content.decode()


def test_a_bad_logo_on_the_profile_changes_nothing(world, as_user, media_root):
    before = Shop.objects.filter(slug="alpha-goods").values().get()

    response = as_user(world.owner_a).post(
        PROFILE,
        {"name": "Changed", "support_email": "a@b.test", "country": "NL",
         "logo": upload(b"%PDF-1.7")},
    )  # fmt: skip

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "logo": ["That file is not a JPEG, PNG or WebP image."]
    }
    assert response.context["form"]["name"].value() == "Changed"
    assert Shop.objects.filter(slug="alpha-goods").values().get() == before


def test_staff_see_the_profile_read_only(world, as_user):
    response = as_user(world.staff_a).get(PROFILE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Save profile" not in body
    assert "<dt>Name</dt><dd>Alpha Goods</dd>" in body


# --- the shop switcher ------------------------------------------------------------------


def test_the_sidebar_switches_between_the_shops_someone_works_for(world, as_user):
    person = UserFactory()
    add_member(shop=world.shop_a, user=person, role="manager")
    add_member(shop=world.shop_b, user=person, role="staff")
    third = make_shop(owner=person, name="Gamma Goods", slug="gamma-goods")

    response = as_user(person).get("/sell/alpha-goods/")

    assert [m.shop.slug for m in response.context["memberships"]] == [
        "alpha-goods",
        "beta-store",
        "gamma-goods",
    ]
    body = response.content.decode()
    switcher = body[body.index('aria-label="Your shops"') :]
    assert '<a class="shop-switcher__link" href="/sell/beta-store/">Beta Store</a>' in switcher
    assert '<a class="shop-switcher__link" href="/sell/gamma-goods/">Gamma Goods</a>' in switcher
    assert 'href="/sell/alpha-goods/">Alpha Goods</a>' not in switcher
    assert 'href="/sell/new/">Open another shop</a>' in switcher
    assert third.slug == "gamma-goods"


def test_someone_with_one_shop_gets_only_the_open_another_shop_link(world, as_user):
    response = as_user(world.owner_b).get("/sell/beta-store/")

    body = response.content.decode()
    assert "Switch shop" not in body
    assert 'href="/sell/new/">Open another shop</a>' in body


def test_my_shops_offers_to_open_a_shop(world, as_user):
    response = as_user(world.shopper).get("/sell/")

    assert 'href="/sell/new/">Open a shop</a>' in response.content.decode()
