import threading

from django.core.management.base import BaseCommand

from marketplace.events.consumers import consume_forever, registered_groups, run_periodic_jobs
from marketplace.events.kafka import topics_ensure
from marketplace.events.relay import install_stop_handlers


class Command(BaseCommand):
    help = "Run every registered Kafka consumer group and periodic job until SIGTERM/SIGINT."

    def handle(self, *args: object, **options: object) -> None:
        stop = threading.Event()
        install_stop_handlers(stop)
        topics_ensure()
        threads = [
            threading.Thread(
                target=consume_forever,
                kwargs={"group": group, "registrations": registrations, "stop": stop},
                name=f"consumer-{group}",
            )
            for group, registrations in registered_groups().items()
        ]
        threads.append(
            threading.Thread(target=run_periodic_jobs, kwargs={"stop": stop}, name="periodic")
        )
        for thread in threads:
            thread.start()
        self.stdout.write("worker: running " + ", ".join(t.name for t in threads))
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
        self.stdout.write("worker: stopped")
