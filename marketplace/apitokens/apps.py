from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "marketplace.apitokens"
    label = "apitokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        from marketplace.accounts.export import register_export_section
        from marketplace.apitokens import handlers  # noqa: F401  (registers handlers and jobs)
        from marketplace.apitokens.selectors import token_families_for_export

        register_export_section("api_sign_ins", token_families_for_export)
