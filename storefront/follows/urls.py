"""Follow and wish buttons (under each shop's storefront paths) and the Following pages.

The routing middleware activates the shop's schema for /shops/<slug>/…; these views only
read and write public tables, which stay on the search path.
"""

from django.urls import path

from storefront.follows import views

app_name = "follows"

urlpatterns = [
    path("shops/<slug:shop_slug>/follow/", views.follow_toggle, name="follow"),
    path(
        "shops/<slug:shop_slug>/products/<slug:product_slug>/wish/",
        views.wish_toggle,
        name="wish",
    ),
    path("following/", views.following_shops, name="following"),
    path("following/wishlist/", views.following_wishlist, name="wishlist"),
]
