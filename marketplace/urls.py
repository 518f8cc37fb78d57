from django.contrib import admin
from django.urls import include, path

from marketplace.api.root import api
from marketplace.health import healthz
from realtime.views import ping

urlpatterns = [
    path("", include("storefront.urls")),
    path("sell/", include("sellers.urls")),
    path("accounts/", include("marketplace.accounts.urls")),
    path("notifications/ping/", ping, name="notifications_ping"),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "marketplace.views.bad_request"
handler403 = "marketplace.views.permission_denied"
handler404 = "marketplace.views.page_not_found"
handler500 = "marketplace.views.server_error"
