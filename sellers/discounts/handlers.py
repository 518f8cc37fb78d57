"""Periodic job of discounts (run by `manage.py worker`)."""

from __future__ import annotations

from marketplace.events.consumers import every
from sellers.discounts.services import discounts_schedule_run

# A discount starts (its listings change, its followers hear of it) within this many
# seconds of its start time.
SCHEDULE_INTERVAL_SECONDS = 5


@every(SCHEDULE_INTERVAL_SECONDS, name="discount-schedule")
def run_discount_schedule() -> None:
    discounts_schedule_run()
