from django.urls import path

from tenants import views

app_name = "tenants"

urlpatterns = [
    path("<str:token>/", views.invitation, name="invitation"),
]
