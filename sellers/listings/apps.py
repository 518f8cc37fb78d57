from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "sellers.listings"
    label = "listings"
    verbose_name = "Listings (cross-shop read model)"
