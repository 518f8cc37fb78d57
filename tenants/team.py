"""A shop's people: inviting by email, accepting, changing roles, removing and leaving.

Rules beyond the role table (tenants.permissions):
- a manager never invites, promotes, demotes or removes an owner;
- a shop always keeps at least one owner. Every change that could take away an owner
  first locks the shop's owner memberships (`_lock_owners`), so two concurrent requests
  (two owners demoting each other, say) are serialised and the second sees the first's
  result.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from tenants.models import Invitation, Membership, Shop
from tenants.permissions import ShopAction, check_shop_action, shop_suspended_error

INVITATION_LIFETIME = timedelta(days=7)
OWNER = Membership.Role.OWNER


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/invitations/{token}/"


def check_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise ApplicationError("Choose owner, manager or staff.", field="role")
    return role


def check_invitation_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "Enter the email address of the person to invite.", field="email"
        ) from None
    return email


def invitation_create(*, actor: Membership, shop: Shop, email: str, role: str) -> Invitation:
    """Invite `email` to `shop` as `role` and email them a link that works once for 7 days.

    Inviting an address that already has an open invitation replaces it (the old link
    stops working). The email goes out after commit.
    """
    email = check_invitation_email(email)
    role = check_role(role)
    check_shop_action(membership=actor, shop=shop, action=ShopAction.INVITE_MEMBERS)
    if role == OWNER:
        check_shop_action(membership=actor, shop=shop, action=ShopAction.INVITE_OWNERS)
    if Membership.objects.filter(shop=shop, user__email__iexact=email).exists():
        raise ApplicationError(
            f"{email} already works for {shop.name}.",
            code="already_member",
            field="email",
            status=409,
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            Invitation.objects.filter(
                shop=shop, email=email, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now)
            invitation = Invitation.objects.create(
                shop=shop,
                email=email,
                role=role,
                token_hash=invitation_token_hash(token),
                invited_by=actor.user,
                created_at=now,
                expires_at=now + INVITATION_LIFETIME,
            )
            transaction.on_commit(
                lambda: _send_invitation_email(invitation=invitation, token=token)
            )
    except IntegrityError:
        # Someone invited the same address at the same moment; their invitation stands.
        raise ApplicationError(
            f"{email} is being invited by someone else right now.",
            code="invitation_conflict",
            field="email",
            status=409,
        ) from None
    return invitation


def _send_invitation_email(*, invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    who = inviter.get_full_name() if inviter else "Someone"
    role = invitation.get_role_display().lower()
    expires = date_format(timezone.localtime(invitation.expires_at), "j F Y, H:i T")
    send_mail(
        subject=f"Join {invitation.shop.name} on Marketplace",
        message=(
            f"{who} invited you to work for {invitation.shop.name} as {role}.\n\n"
            f"Accept the invitation here:\n{invitation_url(token)}\n\n"
            f"Sign in (or create an account) with this email address, {invitation.email}, "
            f"to accept. The link works once and expires on {expires}.\n\n"
            "If you did not expect this, ignore this email: nothing happens unless you "
            "accept.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_revoke(*, actor: Membership, shop: Shop, invitation_id: int) -> Invitation:
    """Revoke an open invitation of `shop`: its link stops working at once."""
    check_shop_action(membership=actor, shop=shop, action=ShopAction.REVOKE_INVITATIONS)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(id=invitation_id, shop=shop, accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        if invitation is None:
            raise ApplicationError(
                "That invitation was already accepted or revoked.",
                code="invitation_not_open",
                status=404,
            )
        if invitation.role == OWNER:
            check_shop_action(membership=actor, shop=shop, action=ShopAction.MANAGE_OWNERS)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_state(invitation: Invitation) -> str:
    """open, accepted, revoked or expired."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


def check_invitation_usable(invitation: Invitation) -> None:
    """ApplicationError (410) unless the invitation can still be accepted."""
    state = invitation_state(invitation)
    messages = {
        "accepted": "This invitation has already been used.",
        "revoked": "This invitation was withdrawn by the shop.",
        "expired": "This invitation has expired. Ask the shop to invite you again.",
    }
    if state != "open":
        raise ApplicationError(messages[state], code=f"invitation_{state}", status=410)


def check_invitation_recipient(*, invitation: Invitation, user: User) -> None:
    """ApplicationError (403) unless `user`'s email is the invited one (any letter case)."""
    if user.email.lower() != invitation.email:
        raise ApplicationError(
            "This invitation was sent to another email address. Sign in with that "
            "address to accept it.",
            code="invitation_email_mismatch",
            status=403,
        )


def invitation_accept(*, token: str, user: User) -> Membership:
    """`user` joins the invited shop with the invited role; the invitation is used up.

    The account's email must be the invited address (case-insensitively). Holding the
    token proves access to that mailbox, so an unverified account may accept.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("shop")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        if invitation is None:
            raise ApplicationError(
                "This invitation link isn't valid. Check that you copied all of it.",
                code="invitation_invalid",
                status=404,
            )
        check_invitation_usable(invitation)
        if invitation.shop.is_suspended:
            raise shop_suspended_error(invitation.shop)
        check_invitation_recipient(invitation=invitation, user=user)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    shop=invitation.shop, user=user, role=invitation.role
                )
        except IntegrityError:
            raise ApplicationError(
                f"You already work for {invitation.shop.name}.",
                code="already_member",
                status=409,
            ) from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _lock_team(*, shop: Shop, actor_id: int) -> tuple[list[Membership], Membership]:
    """Lock the shop's owner memberships, then the actor's; return both, freshly read.

    Every membership change takes the owner locks first (in id order), so changes in one
    shop run one at a time and never deadlock; the actor's role is re-read under the lock,
    so someone demoted a moment ago acts with their new role. Call inside a transaction.
    """
    owners = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(shop=shop, role=OWNER)
        .order_by("id")
    )
    actor = next((owner for owner in owners if owner.id == actor_id), None)
    if actor is None:
        actor = Membership.objects.select_for_update().filter(id=actor_id, shop=shop).first()
    if actor is None:
        raise ApplicationError(
            f"You no longer work for {shop.name}.", code="not_a_member", status=403
        )
    return owners, actor


def _lock_member(*, shop: Shop, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(id=membership_id, shop=shop)
        .first()
    )
    if membership is None:
        raise ApplicationError(
            "That person doesn't work for this shop (any more).", code="not_a_member", status=404
        )
    return membership


def _other_active_owners(owners: list[Membership], *, excluding: Membership) -> int:
    """Owners besides `excluding` who can still sign in: a deactivated account's owner
    membership can't run the shop, so it doesn't count as "another owner"."""
    return sum(1 for owner in owners if owner.id != excluding.id and owner.user.is_active)


def _last_owner_error(shop: Shop, *, leaving: bool) -> ApplicationError:
    what = "leave" if leaving else "stop being an owner"
    return ApplicationError(
        f"{shop.name} needs at least one owner. Make someone else an owner before the last "
        f"owner can {what}.",
        code="last_owner",
        status=409,
    )


def membership_change_role(
    *, actor: Membership, shop: Shop, membership_id: int, role: str
) -> Membership:
    """Give a member another role. Managers change managers and staff only, never to owner;
    the last owner keeps the role."""
    role = check_role(role)
    check_shop_action(membership=actor, shop=shop, action=ShopAction.CHANGE_ROLES)
    with transaction.atomic():
        owners, actor = _lock_team(shop=shop, actor_id=actor.id)
        check_shop_action(membership=actor, shop=shop, action=ShopAction.CHANGE_ROLES)
        target = _lock_member(shop=shop, membership_id=membership_id)
        if OWNER in (role, target.role) and target.role != role:
            check_shop_action(membership=actor, shop=shop, action=ShopAction.MANAGE_OWNERS)
        if (
            target.role == OWNER
            and role != OWNER
            and not _other_active_owners(owners, excluding=target)
        ):
            raise _last_owner_error(shop, leaving=False)
        if target.role != role:
            target.role = role
            target.save(update_fields=["role"])
    return target


def membership_remove(*, actor: Membership, shop: Shop, membership_id: int) -> None:
    """Remove someone from the shop. Removing yourself is leaving (`membership_leave`)."""
    if membership_id == actor.id:
        membership_leave(membership=actor, shop=shop)
        return
    check_shop_action(membership=actor, shop=shop, action=ShopAction.REMOVE_MEMBERS)
    with transaction.atomic():
        owners, actor = _lock_team(shop=shop, actor_id=actor.id)
        check_shop_action(membership=actor, shop=shop, action=ShopAction.REMOVE_MEMBERS)
        target = _lock_member(shop=shop, membership_id=membership_id)
        if target.role == OWNER:
            check_shop_action(membership=actor, shop=shop, action=ShopAction.MANAGE_OWNERS)
            if not _other_active_owners(owners, excluding=target):
                raise _last_owner_error(shop, leaving=True)
        target.delete()


def membership_leave(*, membership: Membership, shop: Shop) -> None:
    """The member leaves the shop themselves; the last owner cannot."""
    check_shop_action(membership=membership, shop=shop, action=ShopAction.LEAVE_SHOP)
    with transaction.atomic():
        owners, current = _lock_team(shop=shop, actor_id=membership.id)
        if current.role == OWNER and not _other_active_owners(owners, excluding=current):
            raise _last_owner_error(shop, leaving=True)
        current.delete()
