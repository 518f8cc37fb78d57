from django.urls import path

from sellers import views

app_name = "sellers"

urlpatterns = [
    path("", views.my_shops, name="my_shops"),
    path("<slug:shop_slug>/", views.dashboard, name="dashboard"),
]
