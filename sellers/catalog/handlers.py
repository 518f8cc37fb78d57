"""Event handlers of the catalog: CSV imports run in the worker."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connection, transaction

from marketplace.events.consumers import Event, handles
from sellers.catalog.csv_io.jobs import EVENT_TYPE, import_job_process

logger = logging.getLogger(__name__)

# Imports running at once in one worker process; more wait their turn.
_running = threading.BoundedSemaphore(2)


@handles(group="catalog-import", event_types=[EVENT_TYPE])
def run_import_job(event: Event) -> None:
    shop_id, job_id = int(event.data["shop_id"]), int(event.data["job_id"])
    # After commit, outside the consumer's transaction: the dry run's progress must show
    # while it runs, and the import needs a transaction of its own (all or nothing).
    transaction.on_commit(
        lambda: in_background(lambda: import_job_process(shop_id=shop_id, job_id=job_id))
    )


def in_background(work: Callable[[], None]) -> None:
    """Run `work` in a thread of its own, so the consumer goes back to polling at once.

    A large import takes longer than the Kafka consumer may go without polling
    (`max.poll.interval.ms`: 7 s outside production), after which the broker would drop
    it from its group. The thread is not a daemon: a worker asked to stop finishes the
    imports in hand before it exits.
    """

    def run() -> None:
        with _running:
            try:
                work()
            except Exception:
                logger.exception("catalog import thread failed")
            finally:
                connection.close()

    threading.Thread(target=run, name="catalog-import", daemon=False).start()
