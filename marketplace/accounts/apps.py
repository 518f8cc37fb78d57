from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marketplace.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the account-email consumer and the built-in data-export sections.
        from marketplace.accounts import export, handlers  # noqa: F401
