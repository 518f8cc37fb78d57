"""Search and category pages (cross-shop, public schema)."""

from django.urls import URLPattern, path

from storefront import search_views

urlpatterns: list[URLPattern] = [
    path("search", search_views.search, name="search"),
    path("categories/<slug:category_slug>/", search_views.category, name="category"),
]
