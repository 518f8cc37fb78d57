import time

from django.core.management.base import BaseCommand

from tenants.provisioning import pool_refill, template_prepare


class Command(BaseCommand):
    help = "Migrate the shop template schema and fill the warm pool of shop schemas."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--pool-size", type=int, default=None)

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        template_prepare(verbosity=0)
        pool_size = options["pool_size"]
        added = pool_refill(size=pool_size if isinstance(pool_size, int) else None)
        self.stdout.write(
            f"shop template ready; {added} pooled schemas added "
            f"({time.perf_counter() - started:.1f} s)"
        )
