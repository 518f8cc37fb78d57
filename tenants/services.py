"""Shops: opening one, its profile and logo, and platform admins suspending it.

The people side (members, roles, invitations) is in `tenants.team`.
"""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from tenants.countries import COUNTRY_CODES
from tenants.images import image_prepare
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction, check_shop_action
from tenants.provisioning import schema_provision

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "static", "media", "www", "public", "sell", "shops", "template",
        "pool", "accounts", "account", "healthz", "ws", "search", "help", "support",
        "checkout", "cart", "orders", "login", "logout", "signup", "marketplace", "new",
        "platform", "invitations",
    }
)  # fmt: skip
MAX_DESCRIPTION = 2000
MAX_SUSPENSION_REASON = 1000
# Each shop is a PostgreSQL schema: cap what one person can make us provision.
MAX_SHOPS_PER_OWNER = 10


def check_shop_slug(slug: str) -> str:
    """The slug if it may name a new shop; ApplicationError (field "slug") if not."""
    if not SLUG_PATTERN.fullmatch(slug) or "--" in slug:
        raise ApplicationError(
            "Use 3–40 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit.",
            code="invalid_slug",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ApplicationError(
            f"“{slug}” is reserved; please choose another address.",
            code="reserved_slug",
            field="slug",
        )
    return slug


def check_shop_slug_available(slug: str) -> str:
    """`check_shop_slug`, and not taken yet (a hint only: creation re-checks under a lock)."""
    slug = check_shop_slug(slug)
    if Shop.objects.filter(slug=slug).exists():
        raise _slug_taken(slug)
    return slug


def schema_name_for(slug: str) -> str:
    # Slugs never contain underscores, so the mapping cannot collide.
    return "shop_" + slug.replace("-", "_")


def check_shop_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise ApplicationError("Give the shop a name of 1–120 characters.", field="name")
    return name


def check_shop_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ApplicationError(
            f"Keep the description under {MAX_DESCRIPTION} characters.", field="description"
        )
    return description


def check_support_email(email: str) -> str:
    email = email.strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "Enter an email address such as help@yourshop.example.", field="support_email"
        ) from None
    return email


def check_country(country: str) -> str:
    country = country.strip().upper()
    if country and country not in COUNTRY_CODES:
        raise ApplicationError(
            "Choose a country from the list (a two-letter ISO code).", field="country"
        )
    return country


def check_shop_opener(user: User) -> None:
    """ApplicationError unless `user` may open a shop: only verified email addresses can."""
    if not user.is_email_verified:
        raise ApplicationError(
            "Verify your email address before opening a shop: follow the link we emailed "
            "you, or ask for a new one on your account page.",
            code="email_not_verified",
            status=403,
        )


def shop_create(
    *,
    name: str,
    slug: str,
    owner: User,
    description: str = "",
    support_email: str = "",
    country: str = "",
    logo: UploadedFile | None = None,
) -> Shop:
    """Provision a shop with its own schema and make `owner` its owner.

    The schema, the Shop row, the membership and the `shop.created` event are one
    transaction. Raises ApplicationError when a field cannot be used. This is the
    provisioning step used by people (`shop_open`), the `create_shop` command and tests;
    it does not check who `owner` is.
    """
    name = check_shop_name(name)
    slug = check_shop_slug_available(slug)
    description = check_shop_description(description)
    support_email = check_support_email(support_email)
    country = check_country(country)
    # Decode and re-encode before the transaction: no lock is held while Pillow works.
    logo_name = _logo_store(slug=slug, upload=logo) if logo is not None else ""
    try:
        with transaction.atomic():
            schema_name = schema_name_for(slug)
            schema_provision(schema_name=schema_name)
            shop = Shop.objects.create(
                schema_name=schema_name,
                name=name,
                slug=slug,
                description=description,
                support_email=support_email,
                country=country,
                logo=logo_name,
            )
            Membership.objects.create(shop=shop, user=owner, role=Membership.Role.OWNER)
            publish_event(
                type="shop.created",
                key=str(shop.id),
                data={"shop_id": shop.id, "slug": shop.slug, "owner_id": owner.id},
            )
    except BaseException as exc:
        if logo_name:
            default_storage.delete(logo_name)  # the stored file must not outlive the failure
        # Another request created the same slug between our check and the insert.
        if isinstance(exc, DatabaseError) and Shop.objects.filter(slug=slug).exists():
            raise _slug_taken(slug) from exc
        raise
    return shop


def shop_open(
    *,
    opener: User,
    name: str,
    slug: str,
    country: str,
    support_email: str,
    description: str = "",
    logo: UploadedFile | None = None,
) -> Shop:
    """A signed-in person opens a shop and becomes its owner (the HTML form and the API).

    Only verified email addresses may, and one person owns at most
    MAX_SHOPS_PER_OWNER shops. Country and support email are required here.
    """
    check_shop_opener(opener)
    if not country.strip():
        raise ApplicationError("Choose the country your shop sells from.", field="country")
    if not support_email.strip():
        raise ApplicationError(
            "Give shoppers an email address to reach you.", field="support_email"
        )
    with transaction.atomic():
        # Serialises one person's concurrent shop openings, so the cap holds.
        User.objects.select_for_update().filter(pk=opener.pk).first()
        owned = Membership.objects.filter(user=opener, role=Membership.Role.OWNER).count()
        if owned >= MAX_SHOPS_PER_OWNER:
            raise ApplicationError(
                f"You already own {owned} shops, the most one person can open. "
                "Contact support if you need more.",
                code="too_many_shops",
                status=409,
            )
        return shop_create(
            name=name,
            slug=slug,
            owner=opener,
            description=description,
            support_email=support_email,
            country=country,
            logo=logo,
        )


def shop_profile_update(
    *,
    actor: Membership,
    shop: Shop,
    name: str | None = None,
    description: str | None = None,
    support_email: str | None = None,
    country: str | None = None,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
) -> Shop:
    """Change the shop's public profile; a None field stays as it is. A new `logo` replaces
    the old one, `remove_logo` drops it. The slug never changes (it names the schema)."""
    check_shop_action(membership=actor, shop=shop, action=ShopAction.EDIT_SHOP_PROFILE)
    changes: dict[str, str] = {}
    if name is not None:
        changes["name"] = check_shop_name(name)
    if description is not None:
        changes["description"] = check_shop_description(description)
    if support_email is not None:
        changes["support_email"] = check_support_email(support_email)
        if not changes["support_email"]:
            raise ApplicationError(
                "Give shoppers an email address to reach you.", field="support_email"
            )
    if country is not None:
        changes["country"] = check_country(country)
        if not changes["country"]:
            raise ApplicationError("Choose the country your shop sells from.", field="country")
    # Every field is valid: only now store the new logo file (outside the transaction).
    if logo is not None:
        changes["logo"] = _logo_store(slug=shop.slug, upload=logo)
    elif remove_logo:
        changes["logo"] = ""
    old_logo = ""
    try:
        with transaction.atomic():
            locked = Shop.objects.select_for_update().get(pk=shop.pk)
            old_logo = locked.logo.name or ""
            if changes:
                Shop.objects.filter(pk=shop.pk).update(**changes)
    except BaseException:
        if changes.get("logo"):
            default_storage.delete(changes["logo"])
        raise
    if "logo" in changes and old_logo and old_logo != changes["logo"]:
        # Committed: the row no longer names the old file.
        default_storage.delete(old_logo)
    for field, value in changes.items():
        setattr(shop, field, value)
    return shop


def _logo_store(*, slug: str, upload: UploadedFile) -> str:
    prepared = image_prepare(upload=upload, size=upload.size, field="logo")
    # A fresh name each time: caches and CDNs never serve the previous logo under it.
    name = f"shops/{slug}/logo-{secrets.token_hex(6)}.{prepared.extension}"
    return default_storage.save(name, ContentFile(prepared.content))


def check_platform_admin(user: User) -> None:
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("Only platform admins can do this.")


def shop_suspend(*, shop: Shop, reason: str, by: User) -> Shop:
    """Suspend a shop: storefront hidden, listings gone from every cross-shop read,
    dashboard read-only. Writes a `shop.suspended` event. Platform admins only."""
    check_platform_admin(by)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why the shop is suspended; its staff will see this reason.",
            code="reason_required",
            field="reason",
        )
    if len(reason) > MAX_SUSPENSION_REASON:
        raise ApplicationError(
            f"Keep the reason under {MAX_SUSPENSION_REASON} characters.", field="reason"
        )
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if locked.is_suspended:
            raise ApplicationError(
                f"{locked.name} is already suspended.", code="already_suspended", status=409
            )
        locked.status = Shop.Status.SUSPENDED
        locked.suspended_at = timezone.now()
        locked.suspension_reason = reason
        locked.save(update_fields=["status", "suspended_at", "suspension_reason"])
        publish_event(
            type="shop.suspended",
            key=str(locked.id),
            data={
                "shop_id": locked.id,
                "slug": locked.slug,
                "reason": reason,
                "suspended_by": by.id,
            },
        )
    return locked


def shop_reinstate(*, shop: Shop, by: User) -> Shop:
    """Lift a suspension: everything the suspension hid is back. Platform admins only."""
    check_platform_admin(by)
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if not locked.is_suspended:
            raise ApplicationError(
                f"{locked.name} is not suspended.", code="not_suspended", status=409
            )
        locked.status = Shop.Status.ACTIVE
        locked.suspended_at = None
        locked.suspension_reason = ""
        locked.save(update_fields=["status", "suspended_at", "suspension_reason"])
        publish_event(
            type="shop.reinstated",
            key=str(locked.id),
            data={"shop_id": locked.id, "slug": locked.slug, "reinstated_by": by.id},
        )
    return locked


def _slug_taken(slug: str) -> ApplicationError:
    return ApplicationError(
        f"The address “{slug}” is taken.", code="slug_taken", field="slug", status=409
    )
