"""Product descriptions: sellers write Markdown; shoppers get sanitised HTML and plain text."""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3

from marketplace.errors import ApplicationError

# What a description may contain once rendered. No images, scripts, styles, iframes or
# event handlers; links get rel="nofollow noopener" and only http(s)/mailto addresses.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
        "ul", "ol", "li", "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
MAX_DESCRIPTION_LENGTH = 20_000
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
_EVENT_ATTRIBUTE = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_UNSAFE_URL = re.compile(r"(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def check_description(source: str) -> str:
    """The Markdown as given, or ApplicationError naming what is not allowed in it.

    Sanitising alone would silently drop what the seller wrote; refusing says why.
    """
    if len(source) > MAX_DESCRIPTION_LENGTH:
        raise ApplicationError(
            f"Keep the description under {MAX_DESCRIPTION_LENGTH:,} characters.",
            field="description",
        )
    for match in _TAG.finditer(source):
        tag, attributes = match.group(1).lower(), match.group(2)
        if tag not in ALLOWED_TAGS or _EVENT_ATTRIBUTE.search(attributes):
            raise ApplicationError(
                f"The description can't contain <{tag}> HTML. Write it in Markdown: "
                "**bold**, *italic*, lists and [links](https://example.com).",
                field="description",
            )
    if _UNSAFE_URL.search(source):
        raise ApplicationError(
            "Links in the description must start with https://, http:// or mailto:.",
            field="description",
        )
    return source


_parsers = threading.local()


def _parser() -> markdown.Markdown:
    # Building a parser costs more than rendering a short description (CSV imports render
    # thousands); one per thread, since a parser keeps state while it converts.
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = markdown.Markdown(
            extensions=["tables", "sane_lists", "toc"],
            extension_configs={"toc": {"baselevel": 2}},
            output_format="html",
        )
        _parsers.parser = parser
    return parser


def description_html(source: str) -> str:
    """Markdown → HTML that is safe to show as is, whatever the source holds.

    Headings start at <h2>: the product page's title is the <h1>.
    """
    rendered = _parser().reset().convert(source)
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


def plain_text(rendered_html: str, *, limit: int) -> str:
    """The words of rendered HTML, whitespace collapsed, cut at a word before `limit`."""
    text = _SPACE.sub(" ", html.unescape(nh3.clean(rendered_html, tags=set()))).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"
