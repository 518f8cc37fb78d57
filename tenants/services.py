"""Shops: opening one, its profile and logo, and platform admins suspending it.

The people side (members, roles, invitations) is in `tenants.team`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from marketplace.media.images import CleanImage, image_clean, image_delete, image_save
from marketplace.money import CENT, decimal_typed, in_cents
from tenants.countries import COUNTRY_CODES
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
MAX_POLICY = 5000
MAX_SHIPPING_RATE = Decimal("10000")
MAX_FREE_SHIPPING_THRESHOLD = Decimal("1000000")
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
    shop_id: int | None = None
    logo_name = ""
    if logo is not None:
        # Decode, re-encode and store before the transaction: no lock is held while Pillow
        # and the storage work. Files live under the shop's id, so take the id first.
        clean = image_clean(upload=logo, field="logo")
        shop_id = _shop_id_reserve()
        logo_name = image_save(clean=clean, folder="logo", shop_id=shop_id).name
    try:
        with transaction.atomic():
            schema_name = schema_name_for(slug)
            schema_provision(schema_name=schema_name)
            shop = Shop.objects.create(
                id=shop_id,
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
            image_delete(name=logo_name)  # the stored file must not outlive the failure
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


# Called inside shop_profile_update's transaction after the row changed, with the shop
# (new values set) and the names of the fields that changed. Other packages keep data
# derived from the profile in step here (sellers: the listings' search text holds the shop
# name); tenants knows no domain, so they register at start-up (their AppConfig.ready).
ShopProfileHook = Callable[..., None]
_profile_hooks: list[ShopProfileHook] = []


def on_shop_profile_changed(hook: ShopProfileHook) -> ShopProfileHook:
    """Register `hook(shop=, fields=)` to run inside every profile update that changed
    something, in its transaction (an exception rolls the update back). Idempotent."""
    if hook not in _profile_hooks:
        _profile_hooks.append(hook)
    return hook


def check_policy(text: str, *, field: str) -> str:
    text = text.strip()
    if len(text) > MAX_POLICY:
        raise ApplicationError(
            f"Keep the policy under {MAX_POLICY:,} characters; it has {len(text):,}.",
            field=field,
        )
    return text


def check_amount(
    value: Decimal | str | int, *, field: str, maximum: Decimal, label: str = "an amount"
) -> Decimal:
    """A non-negative amount with at most two decimals below `maximum`, quantized."""
    amount = decimal_typed(value)
    if amount is None:
        raise ApplicationError(f"Enter {label} such as 4.90.", field=field)
    if not in_cents(amount):
        raise ApplicationError("Use at most two decimal places.", field=field)
    if amount < 0 or amount >= maximum:
        raise ApplicationError(
            f"Enter {label} from 0 to {maximum - Decimal('0.01'):,}.", field=field
        )
    return amount.quantize(CENT)


def check_tax_rate(value: Decimal | str | int) -> Decimal:
    rate = decimal_typed(str(value).strip().removesuffix("%"))
    if rate is None:
        raise ApplicationError("Enter a percentage such as 21 or 7.5.", field="tax_rate")
    if not in_cents(rate):
        raise ApplicationError("Use at most two decimal places.", field="tax_rate")
    if rate < 0 or rate > 100:
        raise ApplicationError("Enter a percentage from 0 to 100.", field="tax_rate")
    return rate.quantize(CENT)


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
    banner: UploadedFile | None = None,
    remove_banner: bool = False,
    shipping_policy: str | None = None,
    returns_policy: str | None = None,
    shipping_flat_rate: Decimal | str | None = None,
    free_shipping_threshold: Decimal | str | None = None,
    tax_rate: Decimal | str | None = None,
) -> Shop:
    """Change the shop's public profile; a None field stays as it is. A new `logo` or
    `banner` replaces the old one, `remove_logo`/`remove_banner` drop it. An empty
    `free_shipping_threshold` ("") removes the threshold (shipping is never free). The
    slug never changes (it names the schema).

    Every field is checked first; ApplicationError lists all faulty fields at once
    (`.errors`) and nothing is stored. Registered profile hooks run in the transaction.
    """
    check_shop_action(membership=actor, shop=shop, action=ShopAction.EDIT_SHOP_PROFILE)
    changes: dict[str, Any] = {}
    refusals: dict[str, ApplicationError] = {}

    def check(field: str, function: Callable[[], Any]) -> None:
        try:
            changes[field] = function()
        except ApplicationError as error:
            refusals[error.field or field] = error

    if name is not None:
        check("name", lambda: check_shop_name(name))
    if description is not None:
        check("description", lambda: check_shop_description(description))
    if support_email is not None:
        check("support_email", lambda: _required_support_email(support_email))
    if country is not None:
        check("country", lambda: _required_country(country))
    if shipping_policy is not None:
        check("shipping_policy", lambda: check_policy(shipping_policy, field="shipping_policy"))
    if returns_policy is not None:
        check("returns_policy", lambda: check_policy(returns_policy, field="returns_policy"))
    if shipping_flat_rate is not None:
        check(
            "shipping_flat_rate",
            lambda: check_amount(
                shipping_flat_rate, field="shipping_flat_rate", maximum=MAX_SHIPPING_RATE
            ),
        )
    if free_shipping_threshold is not None:
        check(
            "free_shipping_threshold",
            lambda: (
                None
                if str(free_shipping_threshold).strip() == ""
                else check_amount(
                    free_shipping_threshold,
                    field="free_shipping_threshold",
                    maximum=MAX_FREE_SHIPPING_THRESHOLD,
                )
            ),
        )
    if tax_rate is not None:
        check("tax_rate", lambda: check_tax_rate(tax_rate))
    images: dict[str, CleanImage] = {}
    for field, upload in (("logo", logo), ("banner", banner)):
        if upload is not None:
            try:
                images[field] = image_clean(upload=upload, field=field)
            except ApplicationError as error:
                refusals[field] = error
    if len(refusals) == 1:
        raise next(iter(refusals.values()))  # with its own code (image_type, …)
    if refusals:
        errors = {field: error.message for field, error in refusals.items()}
        first_field, first_message = next(iter(errors.items()))
        raise ApplicationError(
            f"{len(errors)} fields need attention. {first_message}",
            field=first_field,
            errors=errors,
        )

    # Every field is valid: only now store the new files (outside the transaction).
    for field, clean in images.items():
        changes[field] = image_save(clean=clean, folder=field, shop_id=shop.id).name
    if logo is None and remove_logo:
        changes["logo"] = ""
    if banner is None and remove_banner:
        changes["banner"] = ""
    stored = [changes[field] for field in images]
    old_files: list[str] = []
    try:
        with transaction.atomic():
            locked = Shop.objects.select_for_update().get(pk=shop.pk)
            changed = {field for field, value in changes.items() if _value(locked, field) != value}
            old_files = [
                _value(locked, field)
                for field in ("logo", "banner")
                if field in changed and _value(locked, field)
            ]
            if changed:
                Shop.objects.filter(pk=shop.pk).update(
                    **{field: changes[field] for field in changed}
                )
                for field in changed:
                    setattr(locked, field, changes[field])
                for hook in _profile_hooks:
                    hook(shop=locked, fields=frozenset(changed))
    except BaseException:
        for name_stored in stored:
            image_delete(name=name_stored)
        raise
    for old in old_files:
        # Committed: the row no longer names the old file.
        image_delete(name=old)
    for field, value in changes.items():
        setattr(shop, field, value)
    return shop


def _value(shop: Shop, field: str) -> Any:
    value = getattr(shop, field)
    if field in ("logo", "banner"):
        return value.name or ""
    return value


def _required_support_email(email: str) -> str:
    email = check_support_email(email)
    if not email:
        raise ApplicationError(
            "Give shoppers an email address to reach you.", field="support_email"
        )
    return email


def _required_country(country: str) -> str:
    country = check_country(country)
    if not country:
        raise ApplicationError("Choose the country your shop sells from.", field="country")
    return country


def _shop_id_reserve() -> int:
    """The id the next shop will have, taken from its sequence now (files are stored
    under it before the row exists). A failed creation leaves a gap, as sequences do."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Shop._meta.db_table])
        (shop_id,) = cursor.fetchone()
    return int(shop_id)


def shop_set_featured(*, shop: Shop, featured: bool, by: User) -> Shop:
    """Platform admins pick the shops the homepage features. Platform admins only."""
    check_platform_admin(by)
    Shop.objects.filter(pk=shop.pk).update(is_featured=featured)
    shop.is_featured = featured
    return shop


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
