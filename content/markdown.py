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


def _kivy_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def _inline(token: object) -> str:
    """An inline token's text as Kivy markup: bold and italic kept, links as their words, HTML dropped."""
    out: list[str] = []
    for child in getattr(token, "children", None) or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            out.append(_kivy_escape(child.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n" if kind == "hardbreak" else " ")
        elif kind == "strong_open":
            out.append("[b]")
        elif kind == "strong_close":
            out.append("[/b]")
        elif kind == "em_open":
            out.append("[i]")
        elif kind == "em_close":
            out.append("[/i]")
    return "".join(out)


def to_blocks(text: str, *, rewrite_image: Callable[[str], str | None] | None = None) -> list[dict[str, object]]:
    """The same Markdown as ``render_markdown``, flattened into blocks a screen without HTML lays out:
    headings, paragraphs (Kivy markup for bold and italic), lists, quotes, code, rules and local images.
    Raw HTML, scripts and link targets never reach the blocks."""
    tokens = _md.parse(text or "")
    blocks: list[dict[str, object]] = []
    quote = 0
    list_stack: list[dict[str, object]] = []
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_stack.append({"type": "list", "ordered": kind == "ordered_list_open", "items": []})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            finished = list_stack.pop()
            if list_stack:
                items = list_stack[-1]["items"]
                assert isinstance(items, list)
                items.extend("    " + str(i) for i in finished["items"])  # type: ignore[attr-defined]
            else:
                blocks.append(finished)
        elif kind == "inline":
            images = [c for c in token.children or [] if c.type == "image"]
            words = _inline(token).strip()  # images come after as blocks of their own
            if list_stack:
                items = list_stack[-1]["items"]
                assert isinstance(items, list)
                items.append(words)
            elif heading_level:
                blocks.append({"type": "heading", "level": heading_level, "text": words})
                heading_level = 0
            elif words:
                blocks.append({"type": "quote" if quote else "paragraph", "text": words})
            for image in images:
                src = str(image.attrs.get("src") or "")
                url = (rewrite_image(src) if rewrite_image else src) if is_local_url(src) else None
                if url:
                    blocks.append({"type": "image", "url": url, "alt": image.content or ""})
        elif kind in ("fence", "code_block"):
            blocks.append({"type": "code", "text": token.content.rstrip("\n")})
        elif kind == "hr":
            blocks.append({"type": "rule"})
    return blocks
