"""/healthz: PostgreSQL, Redis and Kafka, each checked with a short timeout."""

from __future__ import annotations

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace.events.kafka import broker_reachable


def _postgres() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _redis() -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    finally:
        client.close()


def _kafka() -> bool:
    return broker_reachable(timeout=2.0)


CHECKS: dict[str, Callable[[], bool]] = {"postgres": _postgres, "redis": _redis, "kafka": _kafka}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "failed"
        except Exception as exc:
            results[name] = f"failed: {type(exc).__name__}"
    failed = [name for name, result in results.items() if result != "ok"]
    if failed:
        return JsonResponse(
            {"detail": f"Unavailable: {', '.join(failed)}", "code": "unhealthy", "checks": results},
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": results})
