from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from realtime.services import user_ping


@require_POST
@login_required
def ping(request: HttpRequest) -> HttpResponse:
    user_ping(user=request.user)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    messages.info(request, "Test notification sent; it appears in your open pages.")
    return redirect("storefront:home")
