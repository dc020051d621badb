"""The learning library over HTTP, read-only: categories, published items, search (Chinese text or
pinyin initials), one item with its body as HTML and as blocks a Kivy screen can lay out, the media
files with HTTP range requests, and PDF pages rendered as images.

Published learning material is not personal data; terminals, walls and phones read it without a
token on the room's network. Anything not published is not found.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file, url_for

from content import services as content
from content.markdown import render_markdown, to_blocks
from content.media import MediaStore, PdfPages
from content.models import Item, ItemKind, MediaAsset
from content.orm import MAX_ID
from content.search import search as search_text
from content.search import search_initials
from screen_server.bus import Bus
from screen_server.errors import Invalid, NotFound
from screen_server.http.common import db, int_arg, runtime
from screen_server.i18n import _
from screen_server.library import reads

bp = Blueprint("content", __name__)
MAX_LIMIT = 500


def _store() -> MediaStore:
    return MediaStore(runtime().settings.media_dir)


def _pdfs() -> PdfPages:
    return PdfPages(_store(), runtime().settings.data_dir / "cache" / "pdf")


def media_url(asset: MediaAsset | None) -> str | None:
    if asset is None:
        return None
    name = Path(asset.original_filename or "file").suffix.lower()[:8] or ""
    return url_for("content.media", media_id=asset.id, tag=asset.sha256[:16] + name)


def page_count(item: Item) -> int | None:
    if item.kind != ItemKind.PDF or item.main_media is None:
        return None
    return _pdfs().count(item.main_media.path, item.main_media.sha256)


def summary(item: Item) -> dict[str, Any]:
    main = item.main_media
    return {
        "id": item.id, "kind": str(item.kind), "title": item.title, "summary": item.summary,
        "category_id": item.category_id, "category": item.category.name if item.category else "",
        "tags": [t.name for t in item.tags], "initials": item.pinyin_initials,
        "cover_url": media_url(item.cover_media), "media_url": media_url(main),
        "media_mime": main.mime if main else None, "media_size": main.size if main else None,
        "duration_seconds": main.duration_seconds if main else None, "page_count": page_count(item),
        "author_name": item.author_name, "source": item.source,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
    }


@bp.get("/api/content/categories")
def categories() -> Any:
    return jsonify({"categories": reads.published_categories(db())})


@bp.get("/api/content/items")
def items() -> Any:
    rows, total = reads.published_items(
        db(), category_id=int_arg("category_id", -1, 0, MAX_ID) if "category_id" in request.args else None,
        kind=request.args.get("kind"), limit=int_arg("limit", 50, 1, MAX_LIMIT), offset=int_arg("offset", 0, 0, 2**63 - 1))
    return jsonify({"items": [summary(i) for i in rows], "total": total})


@bp.get("/api/content/search")
def search() -> Any:
    """``?q=党章`` finds items whose title, summary, body or tags contain the text; ``?initials=DZ``
    finds titles whose pinyin initials contain the letters. Title hits first, then the newest."""
    text = (request.args.get("q") or "").strip()
    letters = (request.args.get("initials") or "").strip()
    if not text and not letters:
        raise Invalid(_("请输入要查找的文字或拼音首字母。"))
    limit = int_arg("limit", 50, 1, MAX_LIMIT)
    rows = search_text(db(), text, limit=limit) if text else search_initials(db(), letters, limit=limit)
    return jsonify({"items": [summary(i) for i in rows]})


@bp.get("/api/content/items/<int:item_id>")
def item(item_id: int) -> Any:
    found = content.get_published(db(), item_id)
    return jsonify({**summary(found), "body_html": render_markdown(found.body_markdown),
                    "blocks": to_blocks(found.body_markdown)})


# media id → (file, mime, sha256, name) of media that a published item uses; emptied whenever the
# published library changes (content.changed), so a video being watched costs no query per range.
_served: dict[int, tuple[Path, str, str, str]] = {}


def forget_served_on_change(bus: Bus) -> None:
    """Empty the served-media cache whenever ``bus`` says the published library changed."""
    from screen_server import protocol

    bus.subscribe(lambda event: _served.clear() if event.type == protocol.CONTENT_CHANGED else None)


@bp.record_once
def _forget_on_change(state: Any) -> None:
    forget_served_on_change(state.app.extensions["activity_room"].bus)


@bp.get("/media/<int:media_id>/<tag>")
def media(media_id: int, tag: str) -> Response:
    """A media file, streamed (never read whole), with Range, ETag and long caching (content-addressed)."""
    known = _served.get(media_id)
    if known is None:
        asset = reads.published_asset(db(), media_id)
        known = (_store().path_for(asset.path), asset.mime, asset.sha256, asset.original_filename or "")
        _served[media_id] = known
    path, mime, sha, name = known
    resp = send_file(path, mimetype=mime, conditional=True, etag=sha, max_age=365 * 86400,
                     download_name=name or None)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp


@bp.get("/api/content/items/<int:item_id>/pages/<int:number>.png")
def pdf_page(item_id: int, number: int) -> Response:
    """Page ``number`` (1-based) of a PDF item as a PNG ``width`` pixels wide, rendered once and kept."""
    found = content.get_published(db(), item_id)
    if found.kind != ItemKind.PDF or found.main_media is None:
        raise NotFound(_("该内容不是 PDF 文件。"))
    out = _pdfs().page(found.main_media.path, found.main_media.sha256, number,
                       int_arg("width", 1200, 1, 10_000))
    etag = hashlib.sha256(out.name.encode()).hexdigest()[:32]
    resp = send_file(out, mimetype="image/png", conditional=True, etag=etag, max_age=365 * 86400)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp
