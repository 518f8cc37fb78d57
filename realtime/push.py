"""Sending to browsers through the channel layer. Call after commit, never inside one."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def push_to_group(*, group: str, payload: dict[str, Any]) -> bool:
    """Send `payload` to every socket in `group`. False (and a log line) if Redis is down:
    a push is a courtesy, the stored state is shown on the next page load."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {"type": "push", "payload": payload})
    except Exception:
        logger.warning("push to %s failed", group, exc_info=True)
        return False
    return True
