"""/search and /categories/<slug>/: cross-shop search with filters, facets and sorts.

Filters live in the URL (GET), so a search can be shared and bookmarked. The page is one
GET form that works without JavaScript; with htmx, a change re-renders only the form
(filters with their counts and the results) and pushes the clean URL to the history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from sellers.listings.models import Listing
from sellers.listings.search import (
    SORTS,
    CategoryNode,
    SearchParams,
    SearchResult,
    search_params_parse,
)
from sellers.listings.selectors import category_tree, listings_find, search_params_errors
from storefront.seo import (
    PageMeta,
    absolute_url,
    breadcrumb_json_ld,
    canonical_url,
    meta_description,
    page_meta,
)

PAGE_SIZE = 24
SITE_TITLE = "Marketplace"
# The id of the form the htmx requests re-render (its partial template).
FORM_ID = "search-form"
RESULTS_TEMPLATE = "storefront/search/partial.html"


@require_GET
def search(request: HttpRequest) -> TemplateResponse:
    return _search_page(request, category=None)


@require_GET
def category(request: HttpRequest, category_slug: str) -> TemplateResponse:
    node = category_tree().get(category_slug)
    if node is None:
        raise Http404("No such category")
    return _search_page(request, category=node)


def _search_page(request: HttpRequest, *, category: CategoryNode | None) -> TemplateResponse:
    params, errors = search_params_parse(request.GET, page_size=PAGE_SIZE)
    if category is not None:
        # The category is the page; sub-categories are pages of their own.
        errors.pop("category", None)
        params = params.replace(category=category.slug)
    errors.update(search_params_errors(params=params))
    # What is wrong is reported at its field and left out; the rest of the search runs.
    if "category" in errors:
        params = params.replace(category="")
    if "max_price" in errors:
        params = params.replace(max_price=None)
    result = listings_find(params=params, clamp_page=True)
    page = SearchPage(path=request.path, result=result, category=category, errors=errors)
    context = {
        "search": page,
        "params": result.params,
        "result": result,
        "facets": result.facets,
        "errors": errors,
        "category": category,
        "page_obj": page.page_obj,
        "querystring_base": page.querystring(page=False),
        "form_id": FORM_ID,
        "seo": page.seo(),
    }
    partial = (
        request.htmx  # type: ignore[attr-defined]
        and request.htmx.target == FORM_ID  # type: ignore[attr-defined]
        and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    )
    template = (
        RESULTS_TEMPLATE
        if partial
        else ("storefront/category.html" if category else "storefront/search.html")
    )
    response = TemplateResponse(request, template, context, status=422 if errors else 200)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    if partial:
        # The address bar shows the clean, shareable URL (no empty parameters).
        response["HX-Push-Url"] = page.url()
    return response


class ResultWindow(Sequence[Listing]):
    """One page of results posing as the whole list for Django's Paginator: its length
    is the total and any slice is the page the search fetched."""

    def __init__(self, result: SearchResult) -> None:
        self.result = result

    def count(self) -> int:  # type: ignore[override]
        return self.result.count

    def __len__(self) -> int:
        return self.result.count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self.result.items
        raise TypeError("a search result window is only sliced")

    def __iter__(self) -> Iterator[Listing]:
        return iter(self.result.items)


@dataclass(frozen=True)
class Chip:
    """An active filter, with the URL that removes it."""

    label: str
    url: str


@dataclass(frozen=True)
class LinkValue:
    label: str
    count: int
    url: str
    selected: bool = False


@dataclass
class SearchPage:
    """Everything the templates show that needs URLs: facet links, chips, sorts, SEO."""

    path: str
    result: SearchResult
    category: CategoryNode | None
    errors: dict[str, str]

    @property
    def params(self) -> SearchParams:
        return self.result.params

    # -- URLs ---------------------------------------------------------------------------

    def querystring(self, params: SearchParams | None = None, *, page: bool = True) -> str:
        params = params or self.params
        return urlencode(params.query_items(category=self.category is None, page=page))

    def url(self, **changes: Any) -> str:
        """This page's URL with `changes` to the parameters (any change starts again at
        page 1 unless it sets the page)."""
        changes.setdefault("page", self.params.page if not changes else 1)
        query = self.querystring(self.params.replace(**changes))
        return f"{self.path}?{query}" if query else self.path

    @property
    def page_obj(self) -> Page[Listing]:
        paginator = Paginator(ResultWindow(self.result), self.params.page_size)
        return paginator.page(self.result.page)

    # -- what the form shows ------------------------------------------------------------

    @property
    def sorts(self) -> list[tuple[str, str, bool]]:
        current = self.params.effective_sort
        return [
            (key, label, key == current)
            for key, label in SORTS.items()
            if key != "relevance" or self.params.q
        ]

    @property
    def categories(self) -> list[LinkValue]:
        """Drill-down: on /search a link sets `category`; on a category page each
        sub-category is its own page, keeping the other filters."""
        links = []
        for value in self.result.facets.categories:
            if self.category is None:
                url = self.url(category=value.value)
            else:
                path = reverse("storefront:category", kwargs={"category_slug": value.value})
                query = urlencode(self.params.replace(page=1).query_items(category=False))
                url = f"{path}?{query}" if query else path
            links.append(LinkValue(label=value.label, count=value.count, url=url))
        return links

    @property
    def category_up(self) -> LinkValue | None:
        """On /search with a category picked: back to its parent (or to all)."""
        if self.category is not None or self.result.category is None:
            return None
        parent_id = self.result.category.parent_id
        tree = category_tree()
        parent = tree.by_id.get(parent_id) if parent_id else None
        label = f"Back to {parent.name}" if parent else "All categories"
        return LinkValue(label=label, count=0, url=self.url(category=parent.slug if parent else ""))

    @property
    def prices(self) -> list[LinkValue]:
        return [
            LinkValue(
                label=bucket.label,
                count=bucket.count,
                url=self.url(min_price=None, max_price=None)
                if bucket.selected
                else self.url(min_price=bucket.low, max_price=bucket.high),
                selected=bucket.selected,
            )
            for bucket in self.result.facets.prices
            if bucket.count or bucket.selected
        ]

    @property
    def chips(self) -> list[Chip]:
        params, chips = self.params, []
        if self.category is None and self.result.category is not None:
            chips.append(Chip(self.result.category.name, self.url(category="")))
        if params.min_price is not None or params.max_price is not None:
            chips.append(Chip(self.price_label, self.url(min_price=None, max_price=None)))
        if params.rating:
            chips.append(Chip(f"{params.rating}★ and up", self.url(rating=None)))
        names = {shop.value: shop.label for shop in self.result.facets.shops}
        for slug in params.shops:
            others = tuple(other for other in params.shops if other != slug)
            chips.append(Chip(names.get(slug, slug), self.url(shops=others)))
        if params.on_sale:
            chips.append(Chip("On sale", self.url(on_sale=False)))
        if params.in_stock:
            chips.append(Chip("In stock", self.url(in_stock=False)))
        return chips

    @property
    def clear_url(self) -> str:
        """Every filter off; the words and the sort stay."""
        return self.url(
            category="",
            min_price=None,
            max_price=None,
            rating=None,
            shops=(),
            on_sale=False,
            in_stock=False,
        )

    @property
    def did_you_mean_url(self) -> str:
        return self.url(q=self.result.did_you_mean or "", sort="")

    @property
    def price_label(self) -> str:
        low, high = self.params.min_price, self.params.max_price
        currency = settings.MARKETPLACE_CURRENCY
        if low is not None and high is not None:
            return f"{currency} {low}–{high}"
        if low is not None:
            return f"{currency} {low} and more"
        return f"Up to {currency} {high}"

    @property
    def summary(self) -> str:
        count, q = self.result.count, self.params.q
        noun = "product" if count == 1 else "products"
        where = f" in {self.category.name}" if self.category else ""
        if q:
            return f"{count:,} {noun} for “{q}”{where}"
        return f"{count:,} {noun}{where}"

    @property
    def breadcrumbs(self) -> list[CategoryNode]:
        if self.category is None:
            return []
        return category_tree().ancestors(self.category)

    @property
    def subcategories(self) -> list[CategoryNode]:
        if self.category is None:
            return []
        return category_tree().children(self.category)

    @property
    def top_categories(self) -> list[CategoryNode]:
        return category_tree().children(None)

    # -- head ---------------------------------------------------------------------------

    @property
    def title(self) -> str:
        page = f" · Page {self.result.page}" if self.result.page > 1 else ""
        if self.category is not None:
            words = f"“{self.params.q}” in " if self.params.q else ""
            return f"{words}{self.category.name}{page} · {SITE_TITLE}"
        if self.params.q:
            return f"“{self.params.q}”{page} · Search · {SITE_TITLE}"
        return f"Search{page} · {SITE_TITLE}"

    @property
    def indexable(self) -> bool:
        """Only plain category pages (and their numbered pages) are for search engines;
        searches and filtered views are not (endless combinations, thin content)."""
        params = self.params
        return (
            self.category is not None
            and not params.q
            and not params.has_filters_besides_category
            and not params.sort
        )

    def seo(self) -> PageMeta:
        if self.category is None:
            description = (
                f"{self.summary} from independent shops on {SITE_TITLE}."
                if self.params.q
                else f"Search every shop on {SITE_TITLE}."
            )
            return dataclasses.replace(
                page_meta(title=self.title, description=description, path=self.path),
                canonical_url=absolute_url(self.url()),
                noindex=True,
            )
        path = reverse("storefront:category", kwargs={"category_slug": self.category.slug})
        trail = [(SITE_TITLE, absolute_url(reverse("storefront:home")))]
        trail += [
            (node.name, absolute_url(reverse("storefront:category", args=[node.slug])))
            for node in [*self.breadcrumbs, self.category]
        ]
        meta = page_meta(
            title=self.title,
            description=meta_description(
                self.category.description,
                f"{self.category.name} from independent shops on {SITE_TITLE}.",
            ),
            path=path,
            page=self.result.page,
            json_ld=[breadcrumb_json_ld(trail)],
        )
        if self.indexable:
            return meta
        # A filtered view points search engines at the plain category page.
        return dataclasses.replace(meta, canonical_url=canonical_url(path=path), noindex=True)
