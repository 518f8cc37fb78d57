from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "sellers.catalog"
    label = "catalog"
    verbose_name = "Catalog (per shop)"
