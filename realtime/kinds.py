"""The kinds of notification, who receives each, and how by default.

A kind is either for shoppers (one row per person, their preferences apply) or for a
shop (one row per shop, shown to its members in the dashboard). Adding a kind is adding
an entry here; the preferences page and the API list the shopper kinds from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


class Mode(StrEnum):
    INSTANT = "instant"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


class Audience(StrEnum):
    SHOPPER = "shopper"
    SHOP = "shop"


# In the site a notification is shown at once or not at all; a digest is for email only.
MODES_FOR: dict[Channel, tuple[Mode, ...]] = {
    Channel.IN_APP: (Mode.INSTANT, Mode.OFF),
    Channel.EMAIL: (Mode.INSTANT, Mode.DAILY_DIGEST, Mode.OFF),
}

MODE_LABELS: dict[Channel, dict[Mode, str]] = {
    Channel.IN_APP: {Mode.INSTANT: "Show in the site", Mode.OFF: "Off"},
    Channel.EMAIL: {
        Mode.INSTANT: "Email at once",
        Mode.DAILY_DIGEST: "Email a daily summary",
        Mode.OFF: "Off",
    },
}


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    description: str
    audience: Audience
    in_app: Mode = Mode.INSTANT
    email: Mode = Mode.OFF

    def default(self, channel: Channel) -> Mode:
        return self.in_app if channel == Channel.IN_APP else self.email


DISCOUNT_STARTED = "discount_started"
NEW_ORDER = "new_order"
LOW_STOCK = "low_stock"
NEW_REVIEW = "new_review"

KINDS: dict[str, NotificationKind] = {
    kind.key: kind
    for kind in (
        # Discounts are marketing: shown at once in the site, but emailed at most once a
        # day unless the shopper asks for more (docs/decisions.md).
        NotificationKind(
            key=DISCOUNT_STARTED,
            label="Discounts",
            description="A shop you follow, or one selling something on your wish list, "
            "starts a discount.",
            audience=Audience.SHOPPER,
            in_app=Mode.INSTANT,
            email=Mode.DAILY_DIGEST,
        ),
        # Seller side: stored per shop and pushed to its members' open pages. Emails to
        # shop members come with the issues that produce these events.
        NotificationKind(
            key=NEW_ORDER,
            label="New orders",
            description="Someone bought from the shop.",
            audience=Audience.SHOP,
        ),
        NotificationKind(
            key=LOW_STOCK,
            label="Low stock",
            description="A variant fell to its low-stock threshold.",
            audience=Audience.SHOP,
        ),
        NotificationKind(
            key=NEW_REVIEW,
            label="New reviews",
            description="A shopper reviewed one of the shop's products.",
            audience=Audience.SHOP,
        ),
    )
}


def shopper_kinds() -> list[NotificationKind]:
    return [kind for kind in KINDS.values() if kind.audience == Audience.SHOPPER]


def kind_get(key: str, *, audience: Audience) -> NotificationKind:
    """The kind named `key`; ValueError (a programming error) if unknown or for another
    audience."""
    kind = KINDS.get(key)
    if kind is None or kind.audience != audience:
        raise ValueError(f"{key!r} is not a notification kind for {audience}")
    return kind
