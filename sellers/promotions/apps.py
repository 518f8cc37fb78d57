from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "sellers.promotions"
    label = "promotions"
    verbose_name = "Platform promotions and the discount schedule (public)"

    def ready(self) -> None:
        from sellers.promotions import handlers  # noqa: F401  (registers the periodic job)
