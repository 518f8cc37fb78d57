"""The notification centre (/notifications/) and the notification settings form.

Every action is a plain POST form that redirects back; htmx requests get the changed
part of the page instead, with an `HX-Trigger: {"badge": {"count": n}}` header that
realtime.js turns into the header's new unread count.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from realtime import services
from realtime.kinds import MODE_LABELS, MODES_FOR, Channel
from realtime.selectors import notifications_of, preferences_of, unread_count

PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _with_badge(response: HttpResponse, count: int) -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"badge": {"count": count}})
    return response


def _list_url(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("realtime:list")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


@require_POST
@login_required
def ping(request: HttpRequest) -> HttpResponse:
    services.user_ping(user=_user(request))
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    messages.info(request, "Test notification sent; it appears in your open pages.")
    return redirect("storefront:home")


@require_GET
@login_required
@never_cache
def notification_list(request: HttpRequest) -> TemplateResponse:
    user = _user(request)
    context: dict[str, Any] = {
        **paginate(request, notifications_of(user=user), per_page=PER_PAGE),
        "unread": unread_count(user=user),
    }
    return TemplateResponse(request, "realtime/notifications.html", context)


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    try:
        notification = services.notification_mark_read(user=user, notification_id=notification_id)
    except ApplicationError as error:
        # Someone else's or none: the same 404 page.
        raise Http404(error.message) from error
    if request.htmx:  # type: ignore[attr-defined]
        response = TemplateResponse(
            request,
            "realtime/notification_item.html",
            {"notification": notification, "page": request.POST.get("page", "")},
        )
        return _with_badge(response, unread_count(user=user))
    return redirect(_list_url(request))


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    marked = services.notifications_mark_all_read(user=user)
    if request.htmx:  # type: ignore[attr-defined]
        context: dict[str, Any] = {
            **paginate(request, notifications_of(user=user), per_page=PER_PAGE),
            "unread": 0,
        }
        response = TemplateResponse(request, "realtime/notifications.html", context)
        return _with_badge(response, 0)
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect(_list_url(request))


# --- settings (shown at /accounts/notifications/) -----------------------------------------------


def preferences_context(
    *, user: User, submitted: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """Context of accounts/notifications.html: one row per kind with, per channel, the
    choices and the one selected (what was submitted, when the form comes back)."""
    rows = []
    for settings in preferences_of(user=user):
        channels = []
        for channel in Channel:
            name = f"{settings.kind.key}.{channel.value}"
            selected = (submitted or {}).get(name, settings.mode(channel).value)
            channels.append(
                {
                    "name": name,
                    "channel": channel.value,
                    "legend": "In the site" if channel == Channel.IN_APP else "By email",
                    "choices": [
                        {
                            "value": mode.value,
                            "label": MODE_LABELS[channel][mode],
                            "selected": mode.value == selected,
                        }
                        for mode in MODES_FOR[channel]
                    ],
                    "error": (errors or {}).get(name, ""),
                }
            )
        rows.append({"kind": settings.kind, "channels": channels})
    return {"preference_rows": rows}


@require_POST
@login_required
def preferences_save(request: HttpRequest) -> HttpResponse:
    """The settings form of /accounts/notifications/ posts here: saved → back there with
    a message; refused → the same page again, 422, the message at the field."""
    user = _user(request)
    submitted: dict[str, str] = {}
    changes: dict[str, dict[str, str]] = {}
    for settings in preferences_of(user=user):
        for channel in Channel:
            name = f"{settings.kind.key}.{channel.value}"
            value = request.POST.get(name)
            if value is not None:
                submitted[name] = value
                changes.setdefault(settings.kind.key, {})[channel.value] = value
    try:
        services.notification_preferences_update(user=user, changes=changes)
    except ApplicationError as error:
        context = preferences_context(user=user, submitted=submitted, errors=error.errors)
        return TemplateResponse(request, "accounts/notifications.html", context, status=422)
    messages.success(request, "Your notification settings are saved.")
    return redirect("accounts:notifications")
