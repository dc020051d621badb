"""Studying on a phone: the item page for each kind (what a terminal's QR opens), the library list,
the member's own page with recommendations; unknown items get a clear page; a remembered phone's
study is counted (in Chromium at phone size, the page's clock driven by the test)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ItemKind, ReviewStatus
from screen_server.config import Settings
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.org.models import Member
from screen_server.runner import RoomServer
from screen_server.study.models import StudyRecord
from tests.helpers.browser import PHONE, chromium


@pytest.fixture
def demo(demo_db: None, session: Session) -> Session:
    return session


def _first(session: Session, kind: ItemKind) -> Item:
    item = session.scalar(select(Item).where(Item.status == ReviewStatus.PUBLISHED, Item.kind == kind).limit(1))
    assert item is not None
    return item


def test_each_kind_has_a_page(client: FlaskClient, demo: Session) -> None:
    article, video, pdf = (_first(demo, k) for k in (ItemKind.ARTICLE, ItemKind.VIDEO, ItemKind.PDF))
    page = client.get(f"/m/items/{article.id}")
    assert page.status_code == 200 and article.title in page.get_data(as_text=True)
    assert "不计学习时长" in page.get_data(as_text=True) and "study.js" not in page.get_data(as_text=True)
    assert "<video" in client.get(f"/m/items/{video.id}").get_data(as_text=True)
    assert "pages/1.png" in client.get(f"/m/items/{pdf.id}").get_data(as_text=True)
    assert "media-src 'self'" in page.headers["Content-Security-Policy"]
    missing = client.get("/m/items/999999")
    assert missing.status_code == 404 and "内容不存在" in missing.get_data(as_text=True)
    listing = client.get("/m/items").get_data(as_text=True)
    assert article.title in listing or "学习园地" in listing


def test_my_page_shows_minutes_points_and_recommendations(client: FlaskClient, demo: Session,
                                                           settings: Settings) -> None:
    member = demo.scalar(select(Member).where(Member.number == "D0010"))
    assert member is not None
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    page = client.get("/m/me").get_data(as_text=True)
    assert member.name in page and "总积分" in page and "为你推荐" in page
    article = _first(demo, ItemKind.ARTICLE)
    remembered = client.get(f"/m/items/{article.id}")
    assert "正在为" in remembered.get_data(as_text=True) and "study.js" in remembered.get_data(as_text=True)


@pytest.mark.usefixtures("demo_db")
def test_a_remembered_phone_counts_study(settings: Settings, artifacts_dir: Path, server: RoomServer) -> None:
    with server.runtime.session_factory() as s:
        member = s.scalar(select(Member).where(Member.number == "D0003"))
        article = _first(s, ItemKind.ARTICLE)
        assert member is not None
        cookie, member_id, item_id = phone_cookie_value(settings.secret_key, member), member.id, article.id
    with chromium() as browser:
        context = browser.new_context(**PHONE, locale="zh-CN")
        context.add_cookies([{"name": PHONE_COOKIE, "value": cookie, "url": server.http_url}])
        page = context.new_page()
        page.goto(f"{server.http_url}/m/items/{item_id}")
        page.locator("#studying").wait_for()
        page.screenshot(path=str(artifacts_dir / "phone-study-article.png"), full_page=True)
        page.evaluate("window.__study.pretend(65000)")  # a minute of reading, as the page's clock sees it
        with page.expect_response(lambda r: r.url.endswith("/api/study/spans")) as sent:
            page.evaluate("window.__study.flush()")
        assert sent.value.status == 200 and sent.value.json()["accepted"]
    with server.runtime.session_factory() as s:
        record = s.scalar(select(StudyRecord).where(StudyRecord.member_id == member_id,
                                                    StudyRecord.item_id == item_id))
        assert record is not None and record.active_seconds >= 60
        assert record.last_at <= dt.datetime.now(dt.UTC)
