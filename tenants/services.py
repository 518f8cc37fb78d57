"""Creating shops and checking who may act for one."""

from __future__ import annotations

import re

from django.db import DatabaseError, IntegrityError, transaction

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from tenants.models import Membership, Shop
from tenants.provisioning import schema_provision

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "static", "media", "www", "public", "sell", "shops", "template",
        "pool", "accounts", "account", "healthz", "ws", "search", "help", "support",
        "checkout", "cart", "orders", "login", "logout", "signup", "marketplace", "new",
    }
)  # fmt: skip


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


def schema_name_for(slug: str) -> str:
    # Slugs never contain underscores, so the mapping cannot collide.
    return "shop_" + slug.replace("-", "_")


def shop_create(*, name: str, slug: str, owner: User, description: str = "") -> Shop:
    """Provision a shop with its own schema and make `owner` its owner.

    The schema, the Shop row, the membership and the `shop.created` event are one
    transaction. Raises ApplicationError when the name or slug cannot be used.
    """
    name = name.strip()
    if not name or len(name) > 120:
        raise ApplicationError("Give the shop a name of 1–120 characters.", field="name")
    slug = check_shop_slug(slug)
    if Shop.objects.filter(slug=slug).exists():
        raise _slug_taken(slug)
    try:
        with transaction.atomic():
            schema_name = schema_name_for(slug)
            schema_provision(schema_name=schema_name)
            shop = Shop.objects.create(
                schema_name=schema_name, name=name, slug=slug, description=description
            )
            Membership.objects.create(shop=shop, user=owner, role=Membership.Role.OWNER)
            publish_event(
                type="shop.created",
                key=str(shop.id),
                data={"shop_id": shop.id, "slug": shop.slug, "owner_id": owner.id},
            )
    except (IntegrityError, DatabaseError) as exc:
        # Another request created the same slug between our check and the insert.
        if Shop.objects.filter(slug=slug).exists():
            raise _slug_taken(slug) from exc
        raise
    return shop


def _slug_taken(slug: str) -> ApplicationError:
    return ApplicationError(
        f"The address “{slug}” is taken.", code="slug_taken", field="slug", status=409
    )
