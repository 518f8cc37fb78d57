from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "sellers.listings"
    label = "listings"
    verbose_name = "Listings (cross-shop read model)"

    def ready(self) -> None:
        from sellers.listings import handlers  # noqa: F401  (periodic jobs for the worker)
