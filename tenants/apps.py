from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Shops (tenants)"

    def ready(self) -> None:
        from tenants import handlers  # noqa: F401  (registers the pool refill consumer)
