"""Page-number pagination for every API list: {"items", "count", "page", "pages"}."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_PAGE_SIZE = 100


class PageNumber(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], pagination: Input, **params: Any
    ) -> dict[str, Any]:
        count = queryset.count()
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[offset : offset + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "pages": max(1, math.ceil(count / pagination.page_size)),
        }
