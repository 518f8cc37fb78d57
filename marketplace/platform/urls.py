from django.urls import path

from marketplace.platform import promotion_views, views

app_name = "platform"

urlpatterns = [
    path("", views.index, name="index"),
    path("shops/", views.shops, name="shops"),
    path("shops/<slug:shop_slug>/", views.shop_detail, name="shop"),
    path("shops/<slug:shop_slug>/suspend/", views.shop_suspend_view, name="shop_suspend"),
    path("shops/<slug:shop_slug>/reinstate/", views.shop_reinstate_view, name="shop_reinstate"),
    path("shops/<slug:shop_slug>/feature/", views.shop_feature_view, name="shop_feature"),
    path("promotions/", promotion_views.promotions, name="promotions"),
    path("promotions/new/", promotion_views.promotion_new, name="promotion_new"),
    path("promotions/<int:promotion_id>/", promotion_views.promotion_edit, name="promotion_edit"),
    path(
        "promotions/<int:promotion_id>/delete/",
        promotion_views.promotion_delete_view,
        name="promotion_delete",
    ),
]
