from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "sellers.catalog"
    label = "catalog"
    verbose_name = "Catalog (per shop)"

    def ready(self) -> None:
        from sellers.catalog import handlers  # noqa: F401  (registers the CSV import consumer)
