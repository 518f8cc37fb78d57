from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = "Sellers"

    def ready(self) -> None:
        from sellers import shop_hooks  # noqa: F401  (registers the profile hook)
