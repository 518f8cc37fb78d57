"""The notification centre, under /notifications/ (the test ping route is in
marketplace/urls.py)."""

from django.urls import path

from realtime import views

app_name = "realtime"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("settings/", views.preferences_save, name="preferences"),
]
