"""Pagination for HTML lists: every list page goes through `paginate`."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

DEFAULT_PAGE_SIZE = 24


def paginate(
    request: HttpRequest, items: QuerySet[Any], *, per_page: int = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    """Context for includes/pagination.html: `page_obj` and the query string without `page`.

    An out-of-range or malformed page number shows the nearest valid page, not an error.
    """
    page: Page[Any] = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "querystring_base": query.urlencode()}
