"""The personal data export: a registry of sections, each a function of the user.

Apps that hold data about people register a section in their AppConfig.ready():

    register_export_section("orders", orders_for_export)

where the function takes the user and returns JSON-serialisable data (ISO strings for
times, strings for decimals). `user_data_export` calls every section in name order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketplace.accounts.models import Address, User
from marketplace.timestamps import isoformat_or_none

ExportSection = Callable[[User], Any]

_sections: dict[str, ExportSection] = {}


def register_export_section(name: str, func: ExportSection) -> None:
    """Add a section to every user's export. A name may be registered once."""
    if name in _sections and _sections[name] is not func:
        raise ValueError(f"export section {name!r} is registered already")
    _sections[name] = func


def export_sections() -> dict[str, ExportSection]:
    return dict(sorted(_sections.items()))


def profile_for_export(user: User) -> dict[str, Any]:
    # No password hash: it is a secret, not information about the person.
    return {
        "email": user.email,
        "name": user.name,
        "date_joined": isoformat_or_none(user.date_joined),
        "last_login": isoformat_or_none(user.last_login),
        "email_verified_at": isoformat_or_none(user.email_verified_at),
        "is_active": user.is_active,
        "deactivated_at": isoformat_or_none(user.deactivated_at),
        "notification_preferences": user.notification_preferences,
    }


def addresses_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "full_name": address.full_name,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "postal_code": address.postal_code,
            "country": address.country,
            "phone": address.phone,
            "is_default": address.is_default,
            "created_at": isoformat_or_none(address.created_at),
        }
        for address in Address.objects.filter(user=user).order_by("created_at", "id")
    ]


def shop_memberships_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "shop": membership.shop.name,
            "shop_slug": membership.shop.slug,
            "role": membership.role,
            "since": isoformat_or_none(membership.created_at),
        }
        for membership in user.memberships.select_related("shop").order_by("created_at", "id")  # type: ignore[attr-defined]
    ]


register_export_section("profile", profile_for_export)
register_export_section("addresses", addresses_for_export)
register_export_section("shop_memberships", shop_memberships_for_export)
