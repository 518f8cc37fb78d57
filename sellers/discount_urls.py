"""Discounts in the dashboard; included under /sell/<slug:shop_slug>/."""

from django.urls import URLPattern, path

from sellers import discount_views

urlpatterns: list[URLPattern] = [
    path("discounts/", discount_views.discounts, name="discounts"),
    path("discounts/new/", discount_views.discount_new, name="discount_new"),
    path(
        "discounts/products/",
        discount_views.discount_product_picker,
        name="discount_product_picker",
    ),
    path("discounts/<int:discount_id>/", discount_views.discount_edit, name="discount_edit"),
    path(
        "discounts/<int:discount_id>/delete/",
        discount_views.discount_delete_view,
        name="discount_delete",
    ),
]
