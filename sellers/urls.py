from django.urls import include, path

from sellers import product_views, views

app_name = "sellers"

urlpatterns = [
    path("", views.my_shops, name="my_shops"),
    # "new" is a reserved slug, so these never shadow a shop; listed first all the same.
    path("new/", views.open_shop, name="open_shop"),
    path("new/address/", views.slug_hint, name="slug_hint"),
    path("<slug:shop_slug>/", product_views.dashboard, name="dashboard"),
    path("<slug:shop_slug>/products/new/", product_views.product_new, name="product_new"),
    path("<slug:shop_slug>/products/bulk/", product_views.products_bulk, name="products_bulk"),
    path(
        "<slug:shop_slug>/products/<int:product_id>/",
        product_views.product_edit,
        name="product_edit",
    ),
    path(
        "<slug:shop_slug>/products/<int:product_id>/stock/",
        product_views.product_stock,
        name="product_stock",
    ),
    path("<slug:shop_slug>/stock/low/", product_views.low_stock, name="low_stock"),
    path("<slug:shop_slug>/team/", views.team, name="team"),
    path("<slug:shop_slug>/team/leave/", views.leave_shop, name="leave_shop"),
    path(
        "<slug:shop_slug>/team/<int:membership_id>/role/",
        views.member_change_role,
        name="member_change_role",
    ),
    path(
        "<slug:shop_slug>/team/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<slug:shop_slug>/invitations/", views.invitations, name="invitations"),
    path(
        "<slug:shop_slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("<slug:shop_slug>/profile/", views.shop_profile, name="shop_profile"),
    path("<slug:shop_slug>/", include("sellers.image_urls")),
    path("<slug:shop_slug>/", include("sellers.csv_urls")),
    path("<slug:shop_slug>/", include("sellers.discount_urls")),
]
