"""Product images in the dashboard; included under /sell/<slug:shop_slug>/."""

from django.urls import URLPattern, path

from sellers import image_views

urlpatterns: list[URLPattern] = [
    path(
        "products/<int:product_id>/images/",
        image_views.product_images,
        name="product_images",
    ),
    path(
        "products/<int:product_id>/images/order/",
        image_views.product_images_order,
        name="product_images_order",
    ),
    path("images/<int:image_id>/", image_views.product_image_alt, name="product_image"),
    path(
        "images/<int:image_id>/move/",
        image_views.product_image_move_view,
        name="product_image_move",
    ),
    path(
        "images/<int:image_id>/delete/",
        image_views.product_image_delete_view,
        name="product_image_delete",
    ),
]
