"""The learning library over HTTP, read-only: categories, published items, search (Chinese text or
pinyin initials), one item with its body as HTML and as blocks a Kivy screen can lay out, the media
files with HTTP range requests, and PDF pages rendered as images.

Published learning material is not personal data; terminals, walls and phones read it without a
token on the room's network. Anything not published is not found.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from content import services as content
from content.markdown import render_markdown, to_blocks
from content.media import MediaStore
from content.models import Category, Item, ItemKind, MediaAsset, ReviewStatus
from content.search import search as search_text
from content.search import search_initials
from screen_server.bus import Bus
from screen_server.errors import Invalid, NotFound
from screen_server.http.common import db, runtime
from screen_server.i18n import _

bp = Blueprint("content", __name__)
MAX_LIMIT = 500
PAGE_WIDTHS = (600, 900, 1200, 1400, 1800)
_render_lock = threading.Lock()  # PDFium is not thread-safe


def _store() -> MediaStore:
    return MediaStore(runtime().settings.media_dir)


def media_url(asset: MediaAsset | None) -> str | None:
    if asset is None:
        return None
    name = Path(asset.original_filename or "file").suffix.lower()[:8] or ""
    return url_for("content.media", media_id=asset.id, tag=asset.sha256[:16] + name)


def page_count(item: Item) -> int | None:
    if item.kind != ItemKind.PDF or item.main_media is None:
        return None
    return _pdf_pages(item.main_media)


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


def _published() -> Any:
    return (select(Item).where(Item.status == ReviewStatus.PUBLISHED)
            .options(selectinload(Item.tags), selectinload(Item.category), selectinload(Item.cover_media),
                     selectinload(Item.main_media)))


def _limit(default: int = 50) -> int:
    return max(1, min(request.args.get("limit", default, type=int) or default, MAX_LIMIT))


@bp.get("/api/content/categories")
def categories() -> Any:
    counts = dict(db().execute(select(Item.category_id, func.count(Item.id))
                               .where(Item.status == ReviewStatus.PUBLISHED).group_by(Item.category_id)).all())
    rows = db().scalars(select(Category).order_by(Category.position, Category.id)).all()
    return jsonify({"categories": [{"id": c.id, "name": c.name, "count": int(counts.get(c.id, 0))} for c in rows]})


@bp.get("/api/content/items")
def items() -> Any:
    query = _published()
    if (category := request.args.get("category_id", type=int)) is not None:
        query = query.where(Item.category_id == category)
    if kind := request.args.get("kind"):
        try:
            query = query.where(Item.kind == ItemKind(kind))
        except ValueError:
            raise Invalid(_("未知的内容类型。")) from None
    total = db().scalar(select(func.count()).select_from(query.subquery()))
    rows = db().scalars(query.order_by(Item.published_at.desc(), Item.id.desc()).limit(_limit())
                        .offset(max(0, request.args.get("offset", 0, type=int) or 0))).all()
    return jsonify({"items": [summary(i) for i in rows], "total": int(total or 0)})


@bp.get("/api/content/search")
def search() -> Any:
    """``?q=党章`` finds items whose title, summary, body or tags contain the text; ``?initials=DZ``
    finds titles whose pinyin initials contain the letters. Title hits first, then the newest."""
    text = (request.args.get("q") or "").strip()
    letters = (request.args.get("initials") or "").strip()
    if not text and not letters:
        raise Invalid(_("请输入要查找的文字或拼音首字母。"))
    rows = (search_text(db(), text, limit=_limit()) if text else search_initials(db(), letters, limit=_limit()))
    return jsonify({"items": [summary(i) for i in rows]})


@bp.get("/api/content/items/<int:item_id>")
def item(item_id: int) -> Any:
    found = content.get_published(db(), item_id)
    return jsonify({**summary(found), "body_html": render_markdown(found.body_markdown),
                    "blocks": to_blocks(found.body_markdown)})


def _published_asset(media_id: int) -> MediaAsset:
    asset = db().get(MediaAsset, media_id)
    used = db().scalar(select(Item.id).where(Item.status == ReviewStatus.PUBLISHED,
                                             or_(Item.main_media_id == media_id, Item.cover_media_id == media_id))
                       .limit(1))
    if asset is None or used is None:
        raise NotFound(_("文件不存在或所属内容尚未发布。"))
    return asset


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
        asset = _published_asset(media_id)
        known = (_store().path_for(asset.path), asset.mime, asset.sha256, asset.original_filename or "")
        _served[media_id] = known
    path, mime, sha, name = known
    resp = send_file(path, mimetype=mime, conditional=True, etag=sha, max_age=365 * 86400,
                     download_name=name or None)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp


def _pdf_pages(asset: MediaAsset) -> int | None:
    cache = runtime().settings.data_dir / "cache" / "pdf" / f"{asset.sha256}.pages"
    if cache.exists():
        return int(cache.read_text() or 0) or None
    try:
        import pypdfium2 as pdfium

        with _render_lock:
            pdf = pdfium.PdfDocument(str(_store().path_for(asset.path)))
            count = len(pdf)
            pdf.close()
    except Exception:
        return None
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(str(count))
    return count


@bp.get("/api/content/items/<int:item_id>/pages/<int:number>.png")
def pdf_page(item_id: int, number: int) -> Response:
    """Page ``number`` (1-based) of a PDF item as a PNG ``width`` pixels wide, rendered once and kept."""
    found = content.get_published(db(), item_id)
    if found.kind != ItemKind.PDF or found.main_media is None:
        raise NotFound(_("该内容不是 PDF 文件。"))
    count = _pdf_pages(found.main_media) or 0
    if not 1 <= number <= count:
        raise NotFound(_("没有第 {n} 页（共 {c} 页）。").format(n=number, c=count))
    wanted = request.args.get("width", 1200, type=int) or 1200
    width = min(PAGE_WIDTHS, key=lambda w: abs(w - wanted))
    asset = found.main_media
    out = runtime().settings.data_dir / "cache" / "pdf" / f"{asset.sha256}-{number}-{width}.png"
    if not out.exists():
        import pypdfium2 as pdfium

        with _render_lock:
            pdf = pdfium.PdfDocument(str(_store().path_for(asset.path)))
            page = pdf[number - 1]
            scale = width / page.get_width()
            image = page.render(scale=scale).to_pil()
            page.close()
            pdf.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        image.save(tmp, format="PNG", optimize=True)
        tmp.replace(out)
    etag = hashlib.sha256(out.name.encode()).hexdigest()[:32]
    resp = send_file(out, mimetype="image/png", conditional=True, etag=etag, max_age=365 * 86400)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp

