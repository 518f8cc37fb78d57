from django.apps import AppConfig


class PlatformAdminConfig(AppConfig):
    name = "marketplace.platform"
    # "platform" alone would read like the standard library module in app registries.
    label = "platform_admin"
    verbose_name = "Platform admin"
