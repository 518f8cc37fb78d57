from django.urls import path

from marketplace.platform import views

app_name = "platform"

urlpatterns = [
    path("", views.index, name="index"),
    path("shops/", views.shops, name="shops"),
    path("shops/<slug:shop_slug>/", views.shop_detail, name="shop"),
    path("shops/<slug:shop_slug>/suspend/", views.shop_suspend_view, name="shop_suspend"),
    path("shops/<slug:shop_slug>/reinstate/", views.shop_reinstate_view, name="shop_reinstate"),
]
