"""allauth's social sign-in flow, mounted at /accounts/oauth/.

With SOCIALACCOUNT_ONLY allauth mounts only its social pages plus sign-in, sign-out and
"account inactive"; its sign-in page would stand beside ours, so it sends people to ours.
"""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("", include("allauth.urls")),
]
