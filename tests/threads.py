"""Running code on a second database connection, for tests of concurrent requests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start `target` in a thread with its own connection (its own, committed transactions).

    Join the thread, then read `outcome["result"]` or `outcome["error"]`.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = target()
        except Exception as exc:  # handed back to the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def committed(make: Callable[[], T]) -> T:
    """Run `make` on a connection of its own and return what it returns (or raise what it
    raised): what it writes is committed, so a live stack (other processes) sees it.
    Browser tests use fresh names: the rows stay."""
    thread, outcome = in_thread(make)
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
