from django.urls import include, path

from storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("storefront.search_urls")),
    path("shops/<slug:shop_slug>/", views.shop_detail, name="shop"),
    path(
        "shops/<slug:shop_slug>/products/<slug:product_slug>/",
        views.product_detail,
        name="product",
    ),
]
