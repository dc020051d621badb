"""The service window and a member's own record on the phone (plain forms, no script: works in any
chat app's browser), and the same for the member logged in at a terminal (JSON, device token).

- ``/m/services``: post a suggestion or request (category and text) and follow one's own: status,
  deadline, answer.
- ``/m/record``: one's own record (attendance, study, points, assessment, the fields kept) and
  requests to correct it, with their outcome.

A remembered phone posts at once; others identify once with number and PIN (the phone is remembered
afterwards), as for polls and the message wall. Every form carries the page's CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from screen_server import protocol
from screen_server.errors import DomainError
from screen_server.http.common import db, json_body, run
from screen_server.http.phone import phone_page
from screen_server.http.signin import identify_and_show, phone_identified, remember_phone, remembered_member
from screen_server.http.study import logged_in_member
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.service_window import corrections, record
from screen_server.service_window import services as window
from screen_server.service_window.models import CATEGORY_LABELS, MAX_TEXT, Category

bp = Blueprint("phone_services", __name__)


def _categories() -> list[dict[str, str]]:
    return [{"key": c.value, "label": window.category_label(c)} for c in CATEGORY_LABELS]


def _services_page(member: Member | None, status: int = 200, **ctx: Any) -> Response:
    ctx.setdefault("client_id", window.new_client_id())
    ctx.setdefault("text", "")
    ctx.setdefault("category", "")
    mine = [window.request_data(r) for r in window.own_requests(db(), member.id)] if member else []
    return phone_page("services.html", status, member=member, categories=_categories(), mine=mine,
                      max_text=MAX_TEXT, **ctx)


@bp.get("/m/services")
def services_page() -> Response:
    return _services_page(remembered_member())


@bp.post("/m/services")
def post_request() -> Response:
    f = request.form
    kept = {"text": f.get("text", ""), "client_id": f.get("client_id", ""), "category": f.get("category", "")}
    try:
        member, identified = phone_identified("phone:/m/services")
    except DomainError as exc:  # wrong PIN, locked out, too many tries: the form again, text kept
        return _services_page(None, exc.status, error=exc.message, **kept)
    try:
        run(window.submit, db(), member, category=kept["category"], text=kept["text"], client_id=kept["client_id"])
        resp = _services_page(member, thanks=True)
    except DomainError as exc:
        resp = _services_page(member, exc.status, error=exc.message, **kept)
    if identified is not None:  # remembered even when refused: the next try needs no PIN
        remember_phone(resp, identified)
    return resp


def _record_page(member: Member | None, status: int = 200, **ctx: Any) -> Response:
    ctx.setdefault("client_id", window.new_client_id())
    data = record.own_record(db(), member) if member else None
    return phone_page("record.html", status, member=member, data=data,
                      fields=[{"key": k, "label": corrections.field_label(k)} for k in corrections.FIELDS], **ctx)


@bp.get("/m/record")
def record_page() -> Response:
    return _record_page(remembered_member())


@bp.post("/m/record")
def identify_for_record() -> Response:
    """Number and PIN, once: the phone is remembered and shows the record."""
    return identify_and_show("phone:/m/record", _record_page)


@bp.post("/m/record/corrections")
def post_correction() -> Response:
    member = remembered_member()
    if member is None:
        return _record_page(None, 401, error=_("请先输入党员编号和密码。"))
    f = request.form
    kept = {"field": f.get("field", ""), "proposed": f.get("proposed", ""), "reason": f.get("reason", ""),
            "client_id": f.get("client_id", "")}
    try:
        run(corrections.file_correction, db(), member, field=kept["field"], proposed=kept["proposed"],
            reason=kept["reason"], client_id=kept["client_id"])
    except DomainError as exc:
        return _record_page(member, exc.status, error=exc.message, kept=kept, client_id=kept["client_id"])
    return _record_page(member, thanks=True)


# --- the member logged in at a terminal ------------------------------------------------------------


@bp.get("/api/device/members/<int:member_id>/services")
def terminal_services(member_id: int) -> Any:
    """The categories with the phrases a terminal offers (it has no Chinese keyboard) and the member's
    own requests."""
    member = logged_in_member(member_id)
    body: protocol.ServiceWindow = {
        "categories": [{"key": c.value, "label": window.category_label(c), "phrases": window.terminal_phrases(c)}
                       for c in Category],
        "requests": [window.request_data(r) for r in window.own_requests(db(), member.id)],
    }
    return jsonify(body)


@bp.post("/api/device/members/<int:member_id>/services")
def terminal_post_request(member_id: int) -> Any:
    member = logged_in_member(member_id)
    body = json_body()
    req = run(window.submit, db(), member, category=str(body.get("category", "")), text=str(body.get("text", "")),
              client_id=str(body.get("client_id", "")), channel="terminal")
    return jsonify(window.request_data(req)), 201


@bp.get("/api/device/members/<int:member_id>/record")
def terminal_record(member_id: int) -> Any:
    """The member's own record, as the phone's /m/record shows it."""
    member = logged_in_member(member_id)
    return jsonify(record.own_record(db(), member))
