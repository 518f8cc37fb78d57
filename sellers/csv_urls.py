"""CSV import and export of products: /sell/<slug>/products/import/… and …/export.csv."""

from django.urls import URLPattern, path

from sellers import csv_views

urlpatterns: list[URLPattern] = [
    path("products/import/", csv_views.products_import, name="products_import"),
    path(
        "products/import/template.csv",
        csv_views.products_import_template,
        name="products_import_template",
    ),
    path(
        "products/import/<int:job_id>/",
        csv_views.products_import_job,
        name="products_import_job",
    ),
    path("products/export.csv", csv_views.products_export, name="products_export"),
]
