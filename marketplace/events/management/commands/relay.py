import threading

from django.core.management.base import BaseCommand

from marketplace.events.relay import install_stop_handlers, relay_forever


class Command(BaseCommand):
    help = "Publish outbox events to Kafka until SIGTERM/SIGINT."

    def handle(self, *args: object, **options: object) -> None:
        stop = threading.Event()
        install_stop_handlers(stop)
        self.stdout.write("relay: publishing outbox events")
        relay_forever(stop=stop)
        self.stdout.write("relay: stopped")
