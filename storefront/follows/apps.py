from django.apps import AppConfig


class FollowsConfig(AppConfig):
    name = "storefront.follows"
    label = "follows"
    verbose_name = "Follows and wish lists"
