"""`manage.py rebuild_listings [--shop slug ...]`: re-derive the Listing read model from
the shops' catalogs, then refresh the "did you mean" words."""

from __future__ import annotations

import itertools
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellers.catalog.services.listing import listings_rebuild
from sellers.listings.services import search_words_refresh
from tenants.models import Shop


class Command(BaseCommand):
    help = (
        "Rebuild the cross-shop listings from every shop's catalog (or the given shops), "
        "one transaction per shop, then refresh the search vocabulary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shop",
            action="append",
            default=[],
            metavar="SLUG",
            help="only this shop (repeat for several)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = list(dict.fromkeys(options["shop"]))
        shops = Shop.objects.order_by("id")
        if slugs:
            shops = shops.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(shops.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No shop with the address: {', '.join(missing)}")
        shop_list = list(shops)
        total = len(shop_list)
        started = time.perf_counter()

        done = itertools.count(1)

        def progress(shop: Shop, count: int) -> None:
            self.stdout.write(
                f"[{next(done)}/{total}] {shop.slug}: {count} listing{'s' if count != 1 else ''}"
            )

        listings = listings_rebuild(shops=shop_list, progress=progress)
        search_words_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {listings} listing{'s' if listings != 1 else ''} of {total} "
                f"shop{'s' if total != 1 else ''} in {time.perf_counter() - started:.1f} s; "
                "search words refreshed."
            )
        )
