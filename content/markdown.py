"""Markdown → safe HTML, the one renderer used by the kiosk, the phone page and the admin preview.

Two layers, so that a bug in one is not a hole: markdown-it-py renders with raw HTML switched off (any
``<script>`` in the source comes out as text), then nh3 keeps only an allow-list of tags and attributes.
Links may be relative or http(s)/mailto; images may come only from relative URLs (the media store, a
content pack) — never from another host, ``data:`` or ``javascript:``, so a kiosk never fetches from
outside the room and nothing in an article can run.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
LINK_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def is_local_url(url: str) -> bool:
    """Tell whether ``url`` stays on the room server: relative, no scheme, no other host."""
    url = unquote(url).strip()
    if not url or url.startswith(("//", "\\")) or "\\" in url:
        return False
    head = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return ":" not in head


def render_markdown(text: str, *, rewrite_image: Callable[[str], str | None] | None = None) -> str:
    """Render ``text`` to sanitised HTML.

    Args:
        text: the Markdown source.
        rewrite_image: maps a local image reference (e.g. ``images/a.png`` in a pack) to the URL to
            serve it from; returning None drops the image's ``src``.
    """

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            if not is_local_url(value):
                return None
            return rewrite_image(value) if rewrite_image else value
        if attr == "style":
            # markdown-it writes column alignment as style; nothing else may pass.
            return value if value in {"text-align:left", "text-align:center", "text-align:right"} else None
        return value

    return nh3.clean(
        _md.render(text),
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def to_plain_text(text: str) -> str:
    """Return the words of a Markdown text without markup (for search and summaries)."""
    words = _html.unescape(nh3.clean(_md.render(text), tags=set(), clean_content_tags={"script", "style"}))
    return " ".join(words.split())
