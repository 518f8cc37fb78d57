from django.apps import AppConfig


class FollowsConfig(AppConfig):
    name = "storefront.follows"
    label = "follows"
    verbose_name = "Follows and wish lists"

    def ready(self) -> None:
        from storefront.follows import export  # noqa: F401  (registers the export sections)
