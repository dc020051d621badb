"""Studying on a phone: ``/m/items/<id>`` (what a terminal's "continue on your phone" QR opens), the
library list ``/m/items``, the member's own page ``/m/me`` and their study plans ``/m/plans`` (必学: what
is required of them, what is done, each item one tap away).

Articles are the same sanitised HTML the admin previews; videos and audio play with the browser's
own controls (seek works: the media endpoint answers range requests); PDFs are their pages as images.
A remembered phone (the sign-in cookie) reports its active study time as spans, like a terminal; a
phone that is not remembered may read, and is told that the time is not counted.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from sqlalchemy import select

from content import services as content
from content.markdown import render_markdown
from content.models import Category, Item, ReviewStatus
from screen_server.assessment.services import member_assessment
from screen_server.errors import DomainError
from screen_server.http.common import db, identify_member, run, runtime
from screen_server.http.content import page_count, summary
from screen_server.http.phone import phone_page
from screen_server.http.signin import identify_and_show, remember_phone, remembered_member
from screen_server.i18n import _
from screen_server.points import leaderboard
from screen_server.study import plans as study_plans
from screen_server.study import services as study
from screen_server.study.recommend import recommend

bp = Blueprint("phone_study", __name__)


@bp.get("/m/items/<int:item_id>")
def item_page(item_id: int) -> Response:
    try:
        found = content.get_published(db(), item_id)
    except DomainError as exc:
        return phone_page("refused.html", 404, message=exc.message, heading=_("无法打开"))
    member = remembered_member()
    record = study.progress_of(db(), member.id, [found.id]).get(found.id) if member else None
    pages = page_count(found) or 0
    resp = phone_page("item.html", connect="'self'" if member else "", item=found, info=summary(found),
                      body=render_markdown(found.body_markdown), member=member, record=record, pages=pages,
                      spans_url=url_for("study.post_spans"))
    return resp


@bp.get("/m/items")
def items_page() -> Response:
    category = request.args.get("category_id", type=int)
    query = (select(Item).where(Item.status == ReviewStatus.PUBLISHED)
             .order_by(Item.published_at.desc(), Item.id.desc()).limit(60))
    if category:
        query = query.where(Item.category_id == category)
    cats = db().scalars(select(Category).order_by(Category.position, Category.id)).all()
    return phone_page("items.html", items=db().scalars(query).all(), categories=cats, current=category)


def _me_page(member: Any, status: int = 200, **extra: Any) -> Response:
    from screen_server.assessment import publication

    data = study.summary(db(), member)
    ranks = {p: leaderboard.member_rank(db(), member.id, p) for p in ("week", "all")}
    recs = recommend(db(), member, limit=5)
    published = publication.for_member(db(), member.id)
    pub = published["publication"]
    shown = member_assessment(db(), member.id, year=pub["year"]) if pub else member_assessment(db(), member.id)
    return phone_page("my_study.html", status, member=member, data=data, ranks=ranks, recs=recs,
                      mask=runtime().settings.mask_names, assessment=shown, published=published, **extra)


@bp.get("/m/me")
def me_page() -> Response:
    member = remembered_member()
    if member is None:
        return phone_page("me.html", member=None)
    return _me_page(member)


@bp.post("/m/assessment/objections")
def file_objection() -> Response:
    """A member's objection to their published assessment result (公示期内), with a reason."""
    from screen_server.assessment import publication

    member = remembered_member()
    if member is None:
        return phone_page("me.html", 403, member=None)
    try:
        run(publication.file_objection, db(), member.id, request.form.get("reason", ""))
    except DomainError as exc:
        return _me_page(member, exc.status, objection_error=exc.message, reason=request.form.get("reason", ""))
    return _me_page(member, objection_notice=_("异议已提交，支部书记或管理员会在公示期内答复。"))


def _plans_page(member: Any, status: int = 200, **extra: Any) -> Response:
    today = study_plans.today_local()
    found = study_plans.member_plans(db(), member, today=today) if member is not None else []
    return phone_page("plans.html", status, member=member, plans=found, today=today, **extra)


@bp.get("/m/plans")
def plans_page() -> Response:
    return _plans_page(remembered_member())


@bp.post("/m/plans")
def plans_identify() -> Response:
    """Identify (number and PIN, once: the phone is remembered afterwards), then show the plans."""
    return identify_and_show("phone:/m/plans", _plans_page)


# --- 每日答题 on a phone: plain forms, no script (works in any in-app browser) ---------------------------


def _practice_page(member: Any, status: int = 200, **extra: Any) -> Response:
    from screen_server.practice import services as practice

    try:
        today = run(practice.daily, db(), member.id)
    except DomainError as exc:
        return phone_page("practice.html", exc.status, member=member, error=exc.message, data=None)
    data = practice.set_data(db(), today)
    current = next((q for q in data["questions"] if q["position"] == data["next"]), None)
    return phone_page("practice.html", status, member=member, data=data, current=current, **extra)


@bp.get("/m/practice")
def practice_page() -> Response:
    member = remembered_member()
    if member is None:
        return phone_page("practice.html", member=None, data=None)
    return _practice_page(member)


@bp.post("/m/practice")
def practice_answer() -> Response:
    """Identify (number and PIN, once: the phone is remembered) or answer the question shown."""
    from screen_server.practice import services as practice

    member = remembered_member()
    if member is None:
        try:
            member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), "phone:/m/practice")
        except DomainError as exc:
            return phone_page("practice.html", exc.status, member=None, data=None, error=exc.message)
        resp = _practice_page(member)
        remember_phone(resp, member)
        return resp
    given = "".join(request.form.getlist("answer"))
    try:
        today = run(practice.daily, db(), member.id)
        result = run(practice.answer, db(), member.id, today.id, request.form.get("position", 0, type=int) or 0, given)
    except DomainError as exc:
        return _practice_page(member, exc.status, error=exc.message)
    asked = request.form.get("position", 0, type=int)
    return _practice_page(member, result=result, asked=asked, given=given)
