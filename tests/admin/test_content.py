"""学习内容 in the admin: an editor writes and submits, a reviewer approves (the screens are told) or
returns with comments, nobody approves their own item, withdrawals reach the screens; bad input is
refused with a clear message and stores nothing, or is made harmless."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item, MediaAsset, ReviewStatus
from screen_server import protocol
from screen_server.audit.models import AuditEntry
from tests.admin.forms import login, post
from tests.helpers.events import EventLog

NEW = "/admin/content/items/new"


def _editor(client: FlaskClient) -> FlaskClient:
    login(client, "editor1", "demo-editor-2026")
    return client


def _item(s: Session, title: str) -> Item:
    s.expire_all()
    item = s.scalar(select(Item).where(Item.title == title))
    assert item is not None
    return item


def test_write_submit_review_publish_withdraw(app, client: FlaskClient, demo: Session, runtime) -> None:  # type: ignore[no-untyped-def]
    log = EventLog(runtime.bus)
    _editor(client)
    r = post(client, NEW, {"kind": "article", "title": "新文章", "summary": "摘要", "body_markdown": "## 小标题\n\n正文",
                           "tags": "党章，学习"}, page=NEW)
    assert r.status_code == 302
    item = _item(demo, "新文章")
    assert item.status == ReviewStatus.DRAFT and [t.name for t in item.tags] == ["党章", "学习"]
    page = f"/admin/content/items/{item.id}"
    assert "<h2>小标题</h2>" in client.get(page).get_data(as_text=True)
    assert post(client, f"{page}/submit", {}, page=page).status_code == 302
    own = post(client, f"{page}/approve", {}, page=page)
    assert own.status_code == 403  # an editor is no reviewer
    reviewer = app.test_client()
    login(reviewer, "reviewer1", "demo-reviewer-2026")
    assert "新文章" in reviewer.get("/admin/content/review").get_data(as_text=True)
    empty = post(reviewer, f"{page}/return", {"comment": " "}, page=page)
    assert "退回时请填写修改意见" in empty.get_data(as_text=True)
    post(reviewer, f"{page}/return", {"comment": "请补充来源"}, page=page)
    assert _item(demo, "新文章").status == ReviewStatus.RETURNED
    assert "请补充来源" in client.get(page).get_data(as_text=True)
    post(client, page, {"title": "新文章", "source": "党建读物", "body_markdown": "正文"}, page=page)
    post(client, f"{page}/submit", {}, page=page)
    assert post(reviewer, f"{page}/approve", {"comment": "同意"}, page=page).status_code == 302
    assert _item(demo, "新文章").status == ReviewStatus.PUBLISHED
    published = log.wait(protocol.CONTENT_CHANGED, where=lambda e: item.id in e.payload["published"])
    assert published.payload["withdrawn"] == []
    post(reviewer, f"{page}/withdraw", {}, page=page)
    log.wait(protocol.CONTENT_CHANGED, where=lambda e: item.id in e.payload["withdrawn"])
    actions = set(demo.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(item.id))))
    assert {"content.created", "content.submit", "content.return", "content.approve", "content.withdraw"} <= actions


def test_a_reviewer_cannot_approve_their_own_item(app, demo: Session) -> None:  # type: ignore[no-untyped-def]
    admin = app.test_client()
    login(admin, "admin", "demo-admin-2026")
    post(admin, NEW, {"kind": "article", "title": "管理员自己写的", "body_markdown": "正文"}, page=NEW)
    item = _item(demo, "管理员自己写的")
    page = f"/admin/content/items/{item.id}"
    post(admin, f"{page}/submit", {}, page=page)
    refused = post(admin, f"{page}/approve", {}, page=page)
    assert "不能审核自己" in refused.get_data(as_text=True) and _item(demo, "管理员自己写的").status == ReviewStatus.SUBMITTED


def test_bad_uploads_are_refused_and_store_nothing(app, client: FlaskClient, demo: Session) -> None:  # type: ignore[no-untyped-def]
    _editor(client)
    before = demo.scalar(select(func.count()).select_from(MediaAsset))
    fake = post(client, NEW, {"kind": "video", "title": "假视频", "media": (io.BytesIO(b"this is not a video" * 50),
                                                                          "lesson.mp4")},
                page=NEW, content_type="multipart/form-data")
    assert fake.status_code == 415 and "lesson.mp4" in fake.get_data(as_text=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bad_svg = post(client, NEW, {"kind": "poster", "title": "海报", "cover": (io.BytesIO(svg), "cover.svg")},
                   page=NEW, content_type="multipart/form-data")
    assert bad_svg.status_code == 415 and "SVG" in bad_svg.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    huge = post(client, NEW, {"kind": "video", "title": "超大", "media": (io.BytesIO(b"\0" * 10_000), "big.mp4")},
                page=NEW, content_type="multipart/form-data")
    assert huge.status_code == 413 and "过大" in huge.get_data(as_text=True)
    demo.expire_all()
    assert demo.scalar(select(func.count()).select_from(MediaAsset)) == before
    assert demo.scalar(select(Item).where(Item.title.in_(["假视频", "海报", "超大"]))) is None


def test_markdown_with_script_and_javascript_links_is_made_harmless(client: FlaskClient, demo: Session) -> None:
    _editor(client)
    body = "正文<script>alert('x')</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>"
    preview = post(client, NEW, {"action": "preview", "kind": "article", "title": "预览", "body_markdown": body},
                   page=NEW).get_data(as_text=True)
    shown = preview.split('id="preview">', 1)[1].split("</div>", 1)[0]
    assert "<script>alert" not in shown and 'href="javascript' not in shown and "<img" not in shown
    assert "正文&lt;script&gt;" in shown  # shown as text, never run
