from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "sellers.discounts"
    label = "discounts"
    verbose_name = "Discounts (per shop)"

    def ready(self) -> None:
        from sellers.discounts import handlers  # noqa: F401  (registers the schedule job)
