from django.apps import AppConfig


class SocialConfig(AppConfig):
    """Google and GitHub sign-in through django-allauth: our adapter, URLs and templates."""

    name = "marketplace.social"
    label = "social"
    verbose_name = "Social sign-in"
