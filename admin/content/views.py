"""学习内容, for editors, reviewers and admins: write an item (Markdown with a preview rendered by the
same code the phone uses; cover and main media uploaded and checked by their bytes), submit it, review
it (approve — now or at a set time — or return with comments; never one's own), withdraw or archive
it, read its history; keep the categories. Every step is audited, and every change to what is
published reaches the screens at once (``content.changed``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from admin.web import guard, me, parse_optional_local
from content import categories as cats
from content import services as cs
from content.markdown import render_markdown
from content.media import MediaStore
from content.models import Item, ItemKind, ItemStateChange, ReviewStatus
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.errors import Forbidden, Invalid
from screen_server.http.common import db, run, runtime
from screen_server.i18n import _
from screen_server.org.models import Role, User

bp = Blueprint("content", __name__, url_prefix="/content")
guard(bp, Role.ADMIN, Role.EDITOR, Role.REVIEWER)
KINDS = {"article": "文章", "video": "视频", "pdf": "文件（PDF）", "poster": "海报", "audio": "音频"}
STATUS = {"draft": "草稿", "submitted": "待审核", "approved": "待发布", "published": "已发布", "returned": "已退回",
          "withdrawn": "已撤回", "archived": "已归档"}
WRITERS = (Role.ADMIN, Role.EDITOR)
REVIEWERS = (Role.ADMIN, Role.REVIEWER)


def _require(roles: tuple[Role, ...]) -> User:
    user = me()
    if user.role not in roles:
        raise Forbidden(_("您没有进行此操作的权限。"))
    return user


def _item(item_id: int) -> Item:
    return cs.get_item(db(), item_id)


def _changed(item: Item, *, published: bool) -> None:
    """Tell the screens the library changed (after the commit), so terminals refetch within a second."""
    emit(db(), protocol.Event(protocol.CONTENT_CHANGED, {"published": [item.id] if published else [],
                                                         "withdrawn": [] if published else [item.id]}))


@bp.get("/items")
def list_items() -> Any:
    query = select(Item).options(selectinload(Item.category)).order_by(Item.updated_at.desc(), Item.id.desc())
    status, kind, text = request.args.get("status"), request.args.get("kind"), (request.args.get("q") or "").strip()
    if status in STATUS:
        query = query.where(Item.status == ReviewStatus(status))
    if kind in KINDS:
        query = query.where(Item.kind == ItemKind(kind))
    if category := request.args.get("category_id", type=int):
        query = query.where(Item.category_id == category)
    if text:
        query = query.where(Item.title.contains(text))
    items = db().scalars(query.limit(200)).all()
    waiting = db().scalar(select(func.count(Item.id)).where(Item.status == ReviewStatus.SUBMITTED))
    return render_template("admin/content/list.html", items=items, kinds=KINDS, statuses=STATUS,
                           categories=cats.list_categories(db()), waiting=waiting, args=request.args)


def _upload(field: str) -> int | None:
    """Store an uploaded file (checked by its bytes, within the size limit); its media id, or None."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    limit = runtime().settings.max_upload_mb * 1024 * 1024
    asset = cs.add_media(db(), MediaStore(runtime().settings.media_dir), upload.stream, filename=upload.filename,
                         max_bytes=limit)
    return asset.id


def _form_fields(item: Item | None) -> dict[str, Any]:
    f = request.form
    try:
        category_id = int(f["category_id"]) if f.get("category_id") else None
    except ValueError:
        raise Invalid(_("请选择分类。")) from None
    cover, main = _upload("cover"), _upload("media")
    return {"title": f.get("title", ""), "body_markdown": f.get("body_markdown", ""), "summary": f.get("summary", ""),
            "category_id": category_id, "tags": [t for t in f.get("tags", "").replace("，", ",").split(",")],
            "source": f.get("source", ""), "author_name": f.get("author_name", ""),
            "cover_media_id": cover if cover is not None else (item.cover_media_id if item else None),
            "main_media_id": main if main is not None else (item.main_media_id if item else None)}


def _editor(item: Item | None, status: int = 200, **extra: Any) -> Any:
    return render_template("admin/content/edit.html", item=item, kinds=KINDS, statuses=STATUS,
                           categories=cats.list_categories(db()), form=request.form, **extra), status


@bp.get("/items/new")
def new_item() -> Any:
    _require(WRITERS)
    return _editor(None)


@bp.post("/items/new")
def create_item() -> Any:
    user = _require(WRITERS)
    if request.form.get("action") == "preview":
        return _editor(None, preview=render_markdown(request.form.get("body_markdown", "")))
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        raise Invalid(_("请选择内容类型。"))

    def create() -> Item:
        item = cs.create_item(db(), kind=ItemKind(kind), author_user_id=user.id, **_form_fields(None))
        record(db(), actor_user_id=user.id, action="content.created", target_type="item", target_id=item.id,
               details={"title": item.title, "kind": kind})
        return item

    item = run(create)
    flash(_("已保存为草稿。确认无误后请“提交审核”。"), "ok")
    return redirect(url_for(".show_item", item_id=item.id))


@bp.get("/items/<int:item_id>")
def show_item(item_id: int) -> Any:
    item = _item(item_id)
    history = db().scalars(select(ItemStateChange).where(ItemStateChange.item_id == item.id)
                           .order_by(ItemStateChange.id)).all()
    users = {u.id: u for u in db().scalars(select(User))}
    return render_template("admin/content/show.html", item=item, kinds=KINDS, statuses=STATUS, history=history,
                           users=users, categories=cats.list_categories(db()),
                           preview=render_markdown(item.body_markdown), editable=item.status in cs.SUBMIT_FROM)


@bp.post("/items/<int:item_id>")
def update_item(item_id: int) -> Any:
    user = _require(WRITERS)
    item = _item(item_id)
    if request.form.get("action") == "preview":
        return _editor(item, preview=render_markdown(request.form.get("body_markdown", "")))

    def update() -> None:
        cs.update_item(db(), item, **_form_fields(item))
        record(db(), actor_user_id=user.id, action="content.updated", target_type="item", target_id=item.id,
               details={"title": item.title})

    run(update)
    flash(_("已保存。"), "ok")
    return redirect(url_for(".show_item", item_id=item.id))


def _step(item_id: int, roles: tuple[Role, ...], action: str, message: str) -> Any:
    user = _require(roles)
    item = _item(item_id)
    comment = request.form.get("comment", "")

    def step() -> None:
        was_public = item.status == ReviewStatus.PUBLISHED
        if action == "submit":
            cs.submit(db(), item, actor_user_id=user.id)
        elif action == "approve":
            publish_at = parse_optional_local(request.form.get("publish_at"), _("发布时间"))
            withdraw_at = parse_optional_local(request.form.get("withdraw_at"), _("撤下时间"))
            if publish_at or withdraw_at:
                cs.schedule(db(), item, publish_at=publish_at, withdraw_at=withdraw_at)
            cs.approve(db(), item, reviewer_user_id=user.id, comment=comment)
        elif action == "return":
            cs.return_to_author(db(), item, reviewer_user_id=user.id, comment=comment)
        elif action == "withdraw":
            cs.withdraw(db(), item, actor_user_id=user.id, comment=comment)
        elif action == "archive":
            cs.archive(db(), item, actor_user_id=user.id, comment=comment)
        record(db(), actor_user_id=user.id, action=f"content.{action}", target_type="item", target_id=item.id,
               details={"title": item.title, "status": str(item.status), "comment": comment})
        if item.status == ReviewStatus.PUBLISHED or was_public:
            _changed(item, published=item.status == ReviewStatus.PUBLISHED)

    run(step)
    flash(message, "ok")
    return redirect(url_for(".show_item", item_id=item.id))


@bp.post("/items/<int:item_id>/submit")
def submit_item(item_id: int) -> Any:
    return _step(item_id, WRITERS, "submit", _("已提交审核。"))


@bp.post("/items/<int:item_id>/approve")
def approve_item(item_id: int) -> Any:
    return _step(item_id, REVIEWERS, "approve", _("审核通过。立即发布的内容一秒内出现在各终端上。"))


@bp.post("/items/<int:item_id>/return")
def return_item(item_id: int) -> Any:
    return _step(item_id, REVIEWERS, "return", _("已退回作者修改。"))


@bp.post("/items/<int:item_id>/withdraw")
def withdraw_item(item_id: int) -> Any:
    return _step(item_id, (*WRITERS, Role.REVIEWER), "withdraw", _("已撤回，各终端将不再显示。"))


@bp.post("/items/<int:item_id>/archive")
def archive_item(item_id: int) -> Any:
    return _step(item_id, (*WRITERS, Role.REVIEWER), "archive", _("已归档。"))


@bp.get("/review")
def review_queue() -> Any:
    items = db().scalars(select(Item).options(selectinload(Item.category))
                         .where(Item.status == ReviewStatus.SUBMITTED).order_by(Item.updated_at)).all()
    users = {u.id: u for u in db().scalars(select(User))}
    return render_template("admin/content/review.html", items=items, kinds=KINDS, users=users)


@bp.get("/categories")
def list_categories() -> Any:
    counts = dict(db().execute(select(Item.category_id, func.count(Item.id)).group_by(Item.category_id)).all())
    return render_template("admin/content/categories.html", categories=cats.list_categories(db()), counts=counts)


@bp.post("/categories")
def create_category() -> Any:
    user = _require((Role.ADMIN,))

    def create() -> None:
        category = cats.create_category(db(), request.form.get("name", ""))
        record(db(), actor_user_id=user.id, action="content.category_created", target_type="category",
               target_id=category.id, details={"name": category.name})

    run(create)
    flash(_("分类已添加。"), "ok")
    return redirect(url_for(".list_categories"))
