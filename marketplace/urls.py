from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from marketplace.api.root import api
from marketplace.health import healthz
from marketplace.media.views import media_file
from realtime.views import ping

urlpatterns = [
    # Follow/wish buttons under /shops/<slug>/…, and /following/ (before the storefront).
    path("", include("storefront.follows.urls")),
    path("", include("storefront.urls")),
    path("sell/", include("sellers.urls")),
    # Google and GitHub sign-in (allauth); before ours so "oauth/" is never taken for ours.
    path("accounts/oauth/", include("marketplace.social.urls")),
    path("accounts/", include("marketplace.accounts.urls")),
    path("invitations/", include("tenants.urls")),
    path("platform/", include("marketplace.platform.urls")),
    path("notifications/ping/", ping, name="notifications_ping"),
    path("notifications/", include("realtime.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if not settings.PRODUCTION:
    # Uploaded media (shop logos) from MEDIA_ROOT in dev and tests; production serves
    # media from Cloudinary, never from this process.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", media_file))

handler400 = "marketplace.views.bad_request"
handler403 = "marketplace.views.permission_denied"
handler404 = "marketplace.views.page_not_found"
handler500 = "marketplace.views.server_error"
