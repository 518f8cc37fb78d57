"""Periodic job of platform promotions (run by `manage.py worker`)."""

from __future__ import annotations

from marketplace.events.consumers import every
from sellers.promotions.services import promotions_sync_run

SYNC_INTERVAL_SECONDS = 5


@every(SYNC_INTERVAL_SECONDS, name="promotion-listings")
def run_promotion_sync() -> None:
    promotions_sync_run()
