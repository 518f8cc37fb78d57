"""csv_urls: filled in by the catalog issue."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
