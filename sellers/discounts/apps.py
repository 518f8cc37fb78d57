from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "sellers.discounts"
    label = "discounts"
    verbose_name = "Discounts (per shop)"
