from django.urls import include, path, register_converter

from storefront import sitemaps, views


class SitemapNumberConverter:
    regex = "[1-9][0-9]{0,5}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(SitemapNumberConverter, "sitemap_number")

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
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap_index"),
    path(
        "sitemaps/<slug:section>-<sitemap_number:number>.xml",
        sitemaps.sitemap_section,
        name="sitemap",
    ),
]
