"""学习内容, for editors, reviewers and admins: write an item (Markdown with a preview rendered by the
same code the phone uses; cover and main media uploaded and checked by their bytes), submit it, review
it (approve — now or at a set time — or return with comments; never one's own), withdraw or archive
it, read its history; keep the categories. Every step is audited, and every change to what is
published reaches the screens at once (``content.changed``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.web import guard, me, parse_optional_local
from content import categories as cats
from content import services as cs
from content.markdown import render_markdown
from content.media import MediaStore
from screen_server.errors import Invalid
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.library import reads
from screen_server.library import services as library
from screen_server.library.services import STEPS, WRITERS, Upload, require
from screen_server.org.models import Role

bp = Blueprint("content", __name__, url_prefix="/content")
guard(bp, Role.ADMIN, Role.EDITOR, Role.REVIEWER)
KINDS = {"article": "文章", "video": "视频", "pdf": "文件（PDF）", "poster": "海报", "audio": "音频"}
STATUS = {"draft": "草稿", "submitted": "待审核", "approved": "待发布", "published": "已发布", "returned": "已退回",
          "withdrawn": "已撤回", "archived": "已归档"}


@bp.get("/items")
def list_items() -> Any:
    args = request.args
    items = reads.admin_items(db(), status=args.get("status"), kind=args.get("kind"),
                              category_id=args.get("category_id", type=int), text=(args.get("q") or "").strip())
    return render_template("admin/content/list.html", items=items, kinds=KINDS, statuses=STATUS,
                           categories=cats.list_categories(db()), waiting=reads.waiting_for_review(db()), args=args)


def _upload(field: str) -> Upload | None:
    upload = request.files.get(field)
    return Upload(upload.stream, upload.filename) if upload is not None and upload.filename else None


def _form_fields() -> dict[str, Any]:
    f = request.form
    try:
        category_id = int(f["category_id"]) if f.get("category_id") else None
    except ValueError:
        raise Invalid(_("请选择分类。")) from None
    return {"title": f.get("title", ""), "body_markdown": f.get("body_markdown", ""), "summary": f.get("summary", ""),
            "category_id": category_id, "tags": [t for t in f.get("tags", "").replace("，", ",").split(",")],
            "source": f.get("source", ""), "author_name": f.get("author_name", "")}


def _media() -> dict[str, Any]:
    settings = runtime().settings
    return {"store": MediaStore(settings.media_dir), "max_bytes": settings.max_upload_mb * 1024 * 1024,
            "cover": _upload("cover"), "main": _upload("media")}


def _editor(item: Any, status: int = 200, **extra: Any) -> Any:
    return render_template("admin/content/edit.html", item=item, kinds=KINDS, statuses=STATUS,
                           categories=cats.list_categories(db()), form=request.form, **extra), status


@bp.get("/items/new")
def new_item() -> Any:
    require(me(), WRITERS)
    return _editor(None)


@bp.post("/items/new")
def create_item() -> Any:
    user = me()
    require(user, WRITERS)
    if request.form.get("action") == "preview":
        return _editor(None, preview=render_markdown(request.form.get("body_markdown", "")))
    if request.form.get("kind", "") not in KINDS:
        raise Invalid(_("请选择内容类型。"))
    item = run(library.create_item, db(), user, kind=request.form["kind"], fields=_form_fields(), **_media())
    flash(_("已保存为草稿。确认无误后请“提交审核”。"), "ok")
    return redirect(url_for(".show_item", item_id=item.id))


@bp.get("/items/<int:item_id>")
def show_item(item_id: int) -> Any:
    page = reads.item_page(db(), item_id)
    return render_template("admin/content/show.html", item=page.item, kinds=KINDS, statuses=STATUS,
                           history=page.history, users=reads.users_by_id(db()), categories=cats.list_categories(db()),
                           preview=render_markdown(page.item.body_markdown),
                           editable=page.item.status in cs.SUBMIT_FROM)


@bp.post("/items/<int:item_id>")
def update_item(item_id: int) -> Any:
    user = me()
    require(user, WRITERS)
    if request.form.get("action") == "preview":
        return _editor(cs.get_item(db(), item_id), preview=render_markdown(request.form.get("body_markdown", "")))
    run(library.update_item, db(), user, item_id, fields=_form_fields(), **_media())
    flash(_("已保存。"), "ok")
    return redirect(url_for(".show_item", item_id=item_id))


def _step(item_id: int, action: str, message: str) -> Any:
    user, form = me(), request.form
    require(user, STEPS[action])  # before reading the dates: a stranger learns nothing from the form
    run(library.move_item, db(), user, item_id, action, comment=form.get("comment", ""),
        publish_at=parse_optional_local(form.get("publish_at"), _("发布时间")) if action == "approve" else None,
        withdraw_at=parse_optional_local(form.get("withdraw_at"), _("撤下时间")) if action == "approve" else None)
    flash(message, "ok")
    return redirect(url_for(".show_item", item_id=item_id))


@bp.post("/items/<int:item_id>/submit")
def submit_item(item_id: int) -> Any:
    return _step(item_id, "submit", _("已提交审核。"))


@bp.post("/items/<int:item_id>/approve")
def approve_item(item_id: int) -> Any:
    return _step(item_id, "approve", _("审核通过。立即发布的内容一秒内出现在各终端上。"))


@bp.post("/items/<int:item_id>/return")
def return_item(item_id: int) -> Any:
    return _step(item_id, "return", _("已退回作者修改。"))


@bp.post("/items/<int:item_id>/withdraw")
def withdraw_item(item_id: int) -> Any:
    return _step(item_id, "withdraw", _("已撤回，各终端将不再显示。"))


@bp.post("/items/<int:item_id>/archive")
def archive_item(item_id: int) -> Any:
    return _step(item_id, "archive", _("已归档。"))


@bp.get("/review")
def review_queue() -> Any:
    return render_template("admin/content/review.html", items=reads.review_queue(db()), kinds=KINDS,
                           users=reads.users_by_id(db()))


@bp.get("/categories")
def list_categories() -> Any:
    return render_template("admin/content/categories.html", categories=cats.list_categories(db()),
                           counts=reads.items_per_category(db()))


@bp.post("/categories")
def create_category() -> Any:
    run(library.create_category, db(), me(), request.form.get("name", ""))
    flash(_("分类已添加。"), "ok")
    return redirect(url_for(".list_categories"))
