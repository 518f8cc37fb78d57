"""Search and category pages (cross-shop, public schema)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
