"""Team services: invitations (one-time, expiring, hashed), roles, removal, the last owner."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from tenants.models import Invitation, Membership, Shop
from tenants.team import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    invitation_token_hash,
    membership_change_role,
    membership_leave,
    membership_remove,
)
from tests.factories import UserFactory, add_member
from tests.threads import in_thread

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+/invitations/(?P<token>[A-Za-z0-9_-]{43})/")


def member(shop: Shop, user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(shop=shop, user=user)


def roles(shop: Shop) -> list[tuple[str, str]]:
    return sorted(Membership.objects.filter(shop=shop).values_list("user__email", "role"))


def invite(world, mailoutbox, django_capture_on_commit_callbacks, *, email="new@example.test",
           role="staff", by=None) -> str:  # fmt: skip
    """Invite through the service as `by` (default owner_a); returns the emailed token."""
    actor = member(world.shop_a, by or world.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=actor, shop=world.shop_a, email=email, role=role)
    match = LINK.search(mailoutbox[-1].body)
    assert match
    return match["token"]


# --- inviting ---------------------------------------------------------------------------


def test_an_invitation_stores_only_a_hash_and_emails_the_link_after_commit(
    world, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://market.example"
    actor = member(world.shop_a, world.owner_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invitation_create(
            actor=actor, shop=world.shop_a, email="  New.Person@Example.TEST ", role="manager"
        )
        assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    (mail,) = mailoutbox
    assert mail.to == ["new.person@example.test"]
    assert mail.subject == "Join Alpha Goods on Marketplace"
    token = LINK.search(mail.body)["token"]
    assert f"https://market.example/invitations/{token}/" in mail.body
    assert invitation.token_hash == invitation_token_hash(token)
    assert token not in str(Invitation.objects.filter(id=invitation.id).values().get())
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.person@example.test",
        "manager",
        world.owner_a,
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert "as manager" in mail.body
    assert "expires on" in mail.body


def test_inviting_the_same_address_again_replaces_the_open_invitation(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    first = invite(world, mailoutbox, django_capture_on_commit_callbacks)
    second = invite(world, mailoutbox, django_capture_on_commit_callbacks, role="manager")

    assert first != second
    open_invitations = Invitation.objects.filter(shop=world.shop_a, revoked_at__isnull=True)
    assert list(open_invitations.values_list("email", "role")) == [("new@example.test", "manager")]
    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=first, user=UserFactory(email="new@example.test"))
    assert error.value.code == "invitation_revoked"


def test_someone_already_in_the_shop_is_not_invited(world, mailoutbox):
    actor = member(world.shop_a, world.owner_a)

    with pytest.raises(ApplicationError) as error:
        invitation_create(
            actor=actor, shop=world.shop_a, email=world.staff_a.email.upper(), role="manager"
        )

    assert (error.value.code, error.value.field, error.value.status) == (
        "already_member",
        "email",
        409,
    )
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not-an-email", "staff", "email"),
        ("", "staff", "email"),
        ("a@example.test", "boss", "role"),
    ],
)
def test_bad_invitation_input_is_refused_at_the_field(world, email, role, field):
    actor = member(world.shop_a, world.owner_a)

    with pytest.raises(ApplicationError) as error:
        invitation_create(actor=actor, shop=world.shop_a, email=email, role=role)

    assert error.value.field == field
    assert Invitation.objects.count() == 0


def test_a_manager_invites_staff_and_managers_but_not_owners(world):
    actor = member(world.shop_a, world.manager_a)

    invitation_create(actor=actor, shop=world.shop_a, email="s@example.test", role="staff")
    invitation_create(actor=actor, shop=world.shop_a, email="m@example.test", role="manager")
    with pytest.raises(ApplicationError) as error:
        invitation_create(actor=actor, shop=world.shop_a, email="o@example.test", role="owner")

    assert (error.value.code, error.value.status) == ("role_not_allowed", 403)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "m@example.test",
        "s@example.test",
    ]


def test_staff_cannot_invite(world):
    with pytest.raises(ApplicationError) as error:
        invitation_create(
            actor=member(world.shop_a, world.staff_a),
            shop=world.shop_a,
            email="s@example.test",
            role="staff",
        )

    assert (error.value.code, error.value.status) == ("role_not_allowed", 403)
    assert Invitation.objects.count() == 0


# --- accepting --------------------------------------------------------------------------


def test_accepting_makes_a_member_with_the_invited_role_and_uses_the_link_up(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    token = invite(world, mailoutbox, django_capture_on_commit_callbacks, role="manager")
    person = UserFactory(email="New@Example.test")  # any letter case

    membership = invitation_accept(token=token, user=person)

    assert (membership.shop, membership.user, membership.role) == (world.shop_a, person, "manager")
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == person
    assert invitation.accepted_at is not None
    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=token, user=person)
    assert (error.value.code, error.value.status) == ("invitation_accepted", 410)
    assert roles(world.shop_a).count(("New@Example.test", "manager")) == 1


def test_only_the_invited_address_can_accept(world, mailoutbox, django_capture_on_commit_callbacks):
    token = invite(world, mailoutbox, django_capture_on_commit_callbacks)
    before = roles(world.shop_a)

    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=token, user=UserFactory(email="someone-else@example.test"))

    assert (error.value.code, error.value.status) == ("invitation_email_mismatch", 403)
    assert roles(world.shop_a) == before
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_invitation_cannot_be_accepted(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    token = invite(world, mailoutbox, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=token, user=UserFactory(email="new@example.test"))

    assert (error.value.code, error.value.status) == ("invitation_expired", 410)
    assert not Membership.objects.filter(user__email="new@example.test").exists()


def test_a_revoked_invitation_cannot_be_accepted(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    token = invite(world, mailoutbox, django_capture_on_commit_callbacks)
    invitation_revoke(
        actor=member(world.shop_a, world.manager_a),
        shop=world.shop_a,
        invitation_id=Invitation.objects.get().id,
    )

    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=token, user=UserFactory(email="new@example.test"))

    assert error.value.code == "invitation_revoked"


@pytest.mark.parametrize("token", ["", "x" * 43, "garbage"])
def test_an_unknown_token_is_not_found(world, token):
    with pytest.raises(ApplicationError) as error:
        invitation_accept(token=token, user=UserFactory())

    assert (error.value.code, error.value.status) == ("invitation_invalid", 404)


def test_a_manager_cannot_revoke_an_owner_invitation(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    invite(world, mailoutbox, django_capture_on_commit_callbacks, role="owner")
    invitation = Invitation.objects.get()

    with pytest.raises(ApplicationError) as error:
        invitation_revoke(
            actor=member(world.shop_a, world.manager_a),
            shop=world.shop_a,
            invitation_id=invitation.id,
        )

    assert error.value.code == "role_not_allowed"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_invitation_of_another_shop_cannot_be_revoked_from_this_one(world):
    other = invitation_create(
        actor=member(world.shop_b, world.owner_b),
        shop=world.shop_b,
        email="b@example.test",
        role="staff",
    )

    with pytest.raises(ApplicationError) as error:
        invitation_revoke(
            actor=member(world.shop_a, world.owner_a), shop=world.shop_a, invitation_id=other.id
        )

    assert (error.value.code, error.value.status) == ("invitation_not_open", 404)
    other.refresh_from_db()
    assert other.revoked_at is None


# --- roles ------------------------------------------------------------------------------


def test_an_owner_changes_any_role_including_to_owner(world):
    owner = member(world.shop_a, world.owner_a)
    staff = member(world.shop_a, world.staff_a)

    membership_change_role(actor=owner, shop=world.shop_a, membership_id=staff.id, role="owner")

    assert member(world.shop_a, world.staff_a).role == "owner"


def test_a_manager_changes_managers_and_staff_but_never_to_or_from_owner(world):
    manager = member(world.shop_a, world.manager_a)
    staff = member(world.shop_a, world.staff_a)
    owner = member(world.shop_a, world.owner_a)

    membership_change_role(actor=manager, shop=world.shop_a, membership_id=staff.id, role="manager")
    assert member(world.shop_a, world.staff_a).role == "manager"

    for membership_id, role in [(staff.id, "owner"), (owner.id, "staff"), (owner.id, "manager")]:
        with pytest.raises(ApplicationError) as error:
            membership_change_role(
                actor=manager, shop=world.shop_a, membership_id=membership_id, role=role
            )
        assert (error.value.code, error.value.status) == ("role_not_allowed", 403)
    assert member(world.shop_a, world.owner_a).role == "owner"
    assert member(world.shop_a, world.staff_a).role == "manager"


def test_staff_cannot_change_roles(world):
    staff = member(world.shop_a, world.staff_a)

    with pytest.raises(ApplicationError) as error:
        membership_change_role(
            actor=staff, shop=world.shop_a, membership_id=staff.id, role="manager"
        )

    assert error.value.code == "role_not_allowed"
    assert member(world.shop_a, world.staff_a).role == "staff"


def test_the_last_owner_cannot_be_demoted(world):
    owner = member(world.shop_a, world.owner_a)

    with pytest.raises(ApplicationError) as error:
        membership_change_role(
            actor=owner, shop=world.shop_a, membership_id=owner.id, role="manager"
        )

    assert (error.value.code, error.value.status) == ("last_owner", 409)
    assert member(world.shop_a, world.owner_a).role == "owner"


def test_one_of_two_owners_may_step_down(world):
    owner = member(world.shop_a, world.owner_a)
    second = add_member(shop=world.shop_a, role="owner")

    membership_change_role(actor=owner, shop=world.shop_a, membership_id=owner.id, role="manager")

    assert [m.user for m in Membership.objects.filter(shop=world.shop_a, role="owner")] == [second]


def test_a_deactivated_co_owner_does_not_count_as_another_owner(world):
    owner = member(world.shop_a, world.owner_a)
    gone = add_member(shop=world.shop_a, role="owner")
    User.objects.filter(id=gone.id).update(is_active=False)

    with pytest.raises(ApplicationError) as demote:
        membership_change_role(
            actor=owner, shop=world.shop_a, membership_id=owner.id, role="manager"
        )
    with pytest.raises(ApplicationError) as leave:
        membership_leave(membership=owner, shop=world.shop_a)

    assert (demote.value.code, leave.value.code) == ("last_owner", "last_owner")
    assert sorted(
        Membership.objects.filter(shop=world.shop_a, role="owner").values_list(
            "user__email", flat=True
        )
    ) == sorted([world.owner_a.email, gone.email])


def test_a_member_of_another_shop_cannot_be_changed_from_this_one(world):
    owner_b_membership = member(world.shop_b, world.owner_b)

    with pytest.raises(ApplicationError) as error:
        membership_change_role(
            actor=member(world.shop_a, world.owner_a),
            shop=world.shop_a,
            membership_id=owner_b_membership.id,
            role="staff",
        )

    assert (error.value.code, error.value.status) == ("not_a_member", 404)
    assert member(world.shop_b, world.owner_b).role == "owner"


def test_a_manager_demoted_meanwhile_acts_with_the_new_role(world):
    """The actor's role is read again under the lock, not trusted from the request."""
    manager = member(world.shop_a, world.manager_a)
    Membership.objects.filter(id=manager.id).update(role="staff")

    with pytest.raises(ApplicationError) as error:
        membership_change_role(
            actor=manager,
            shop=world.shop_a,
            membership_id=member(world.shop_a, world.staff_a).id,
            role="manager",
        )

    assert error.value.code == "role_not_allowed"
    assert member(world.shop_a, world.staff_a).role == "staff"


# --- removing and leaving ---------------------------------------------------------------


def test_owners_remove_anyone_but_the_last_owner(world):
    owner = member(world.shop_a, world.owner_a)

    membership_remove(
        actor=owner, shop=world.shop_a, membership_id=member(world.shop_a, world.manager_a).id
    )
    with pytest.raises(ApplicationError) as error:
        membership_remove(actor=owner, shop=world.shop_a, membership_id=owner.id)

    assert error.value.code == "last_owner"
    assert roles(world.shop_a) == [
        (world.owner_a.email, "owner"),
        (world.staff_a.email, "staff"),
    ]


def test_an_owner_removes_another_owner(world):
    second = add_member(shop=world.shop_a, role="owner")

    membership_remove(
        actor=member(world.shop_a, world.owner_a),
        shop=world.shop_a,
        membership_id=member(world.shop_a, second).id,
    )

    assert not Membership.objects.filter(user=second).exists()


def test_a_manager_removes_staff_but_not_owners(world):
    manager = member(world.shop_a, world.manager_a)

    membership_remove(
        actor=manager, shop=world.shop_a, membership_id=member(world.shop_a, world.staff_a).id
    )
    with pytest.raises(ApplicationError) as error:
        membership_remove(
            actor=manager, shop=world.shop_a, membership_id=member(world.shop_a, world.owner_a).id
        )

    assert error.value.code == "role_not_allowed"
    assert roles(world.shop_a) == [
        (world.owner_a.email, "owner"),
        (world.manager_a.email, "manager"),
    ]


def test_staff_cannot_remove_others_but_may_leave(world):
    staff = member(world.shop_a, world.staff_a)

    with pytest.raises(ApplicationError):
        membership_remove(
            actor=staff, shop=world.shop_a, membership_id=member(world.shop_a, world.manager_a).id
        )
    membership_remove(actor=staff, shop=world.shop_a, membership_id=staff.id)  # = leaving

    assert not Membership.objects.filter(user=world.staff_a).exists()
    assert Membership.objects.filter(user=world.manager_a).exists()


def test_the_last_owner_cannot_leave_but_one_of_two_can(world):
    owner = member(world.shop_a, world.owner_a)

    with pytest.raises(ApplicationError) as error:
        membership_leave(membership=owner, shop=world.shop_a)
    assert (error.value.code, error.value.message) == (
        "last_owner",
        "Alpha Goods needs at least one owner. Make someone else an owner before the last "
        "owner can leave.",
    )

    add_member(shop=world.shop_a, role="owner")
    membership_leave(membership=owner, shop=world.shop_a)
    assert not Membership.objects.filter(user=world.owner_a, shop=world.shop_a).exists()


# --- the last owner under concurrency ---------------------------------------------------


def _committed(target):  # type: ignore[no-untyped-def]
    thread, outcome = in_thread(target)
    thread.join(10)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]


def _two_owner_shop() -> tuple[Shop, Membership, Membership]:
    """A shop row (no schema needed: team changes touch only public tables) with two owners."""
    suffix = uuid.uuid4().hex[:12]
    shop = Shop.objects.create(
        schema_name=f"shop_race_{suffix}", name="Race", slug=f"race-{suffix}"
    )
    first = Membership.objects.create(shop=shop, user=UserFactory(), role="owner")
    second = Membership.objects.create(shop=shop, user=UserFactory(), role="owner")
    return shop, first, second


def _race(first_change, second_change):  # type: ignore[no-untyped-def]
    """Run `first_change` in a transaction that holds its locks until `second_change` has
    had half a second to run; returns (second's outcome, whether it had to wait)."""
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with transaction.atomic():
            first_change()
            holding.set()
            release.wait(10)

    try:
        one, one_outcome = in_thread(first)
        assert holding.wait(10)
        two, two_outcome = in_thread(second_change)
        two.join(0.5)
        waited = two.is_alive()
    finally:
        release.set()
    one.join(10)
    two.join(10)
    assert "error" not in one_outcome, one_outcome
    return two_outcome, waited


@pytest.fixture
def race_shop(world):  # type: ignore[no-untyped-def]
    shop, first, second = _committed(_two_owner_shop)
    yield shop, first, second
    users = [first.user_id, second.user_id]
    _committed(
        lambda: (
            Shop.objects.filter(id=shop.id).delete(),
            User.objects.filter(id__in=users).delete(),
        )
    )


def _roles_committed(shop: Shop) -> list[tuple[int, str]]:
    return _committed(
        lambda: sorted(Membership.objects.filter(shop=shop).values_list("id", "role"))
    )


def test_two_owners_demoting_each_other_at_once_leave_one_owner(race_shop):
    """Without the lock on the owner rows both requests would see two owners and pass."""
    shop, first, second = race_shop

    outcome, waited = _race(
        lambda: membership_change_role(
            actor=first, shop=shop, membership_id=second.id, role="staff"
        ),
        lambda: membership_change_role(
            actor=second, shop=shop, membership_id=first.id, role="staff"
        ),
    )

    assert waited, "the second request must wait for the first one's locks"
    error = outcome["error"]
    assert isinstance(error, ApplicationError)
    assert error.code == "role_not_allowed"  # `second` is staff by the time it runs
    assert _roles_committed(shop) == [(first.id, "owner"), (second.id, "staff")]


def test_two_owners_leaving_at_once_leave_one_owner(race_shop):
    shop, first, second = race_shop

    outcome, waited = _race(
        lambda: membership_leave(membership=first, shop=shop),
        lambda: membership_leave(membership=second, shop=shop),
    )

    assert waited
    error = outcome["error"]
    assert isinstance(error, ApplicationError)
    assert error.code == "last_owner"
    assert _roles_committed(shop) == [(second.id, "owner")]


def test_removing_and_demoting_the_two_owners_at_once_leave_one_owner(race_shop):
    shop, first, second = race_shop

    outcome, waited = _race(
        lambda: membership_remove(actor=first, shop=shop, membership_id=second.id),
        lambda: membership_change_role(
            actor=first, shop=shop, membership_id=first.id, role="staff"
        ),
    )

    assert waited
    error = outcome["error"]
    assert isinstance(error, ApplicationError)
    assert error.code == "last_owner"
    assert _roles_committed(shop) == [(first.id, "owner")]
