"""The learning library's read-only API on the demo content: categories with counts, lists, search
(Chinese: exactly the demo items holding 党章, 廉政, 两学一做 — on SQLite and on PostgreSQL; pinyin
initials), an item's HTML and blocks, media with range requests and ETags, PDF pages, and nothing of
what is not published."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content import demo as content_demo
from content.models import Item, ItemKind, ReviewStatus
from screen_server import protocol
from tests.helpers.events import EventLog


@pytest.fixture
def demo(demo_db: None, session: Session) -> Session:
    return session


@pytest.mark.parametrize("term", sorted(content_demo.SEARCH_TERMS))
def test_chinese_search_finds_exactly_the_demo_items(client: FlaskClient, demo: Session, term: str) -> None:
    found = client.get("/api/content/search", query_string={"q": term}).get_json()["items"]
    assert {i["title"] for i in found} == set(content_demo.SEARCH_TERMS[term])


@pytest.mark.parametrize("typed", sorted(content_demo.INITIALS_TERMS))
def test_initials_search(client: FlaskClient, demo: Session, typed: str) -> None:
    found = client.get("/api/content/search", query_string={"initials": typed.lower()}).get_json()["items"]
    assert {i["title"] for i in found} == set(content_demo.INITIALS_TERMS[typed])


def test_lists_items_and_refuses_what_is_not_published(client: FlaskClient, demo: Session) -> None:
    cats = client.get("/api/content/categories").get_json()["categories"]
    assert sum(c["count"] for c in cats) >= 20 and any(c["name"] == "廉政教育" and c["count"] for c in cats)
    listed = client.get("/api/content/items?limit=5").get_json()
    assert len(listed["items"]) == 5 and listed["total"] >= 20
    videos = client.get("/api/content/items?kind=video").get_json()["items"]
    assert len(videos) >= 2 and all(v["media_url"] and v["media_mime"] == "video/mp4" for v in videos)
    assert client.get("/api/content/items?kind=bogus").status_code == 400
    assert client.get("/api/content/search").status_code == 400
    article = next(i for i in listed["items"] if i["kind"] == "article")
    detail = client.get(f"/api/content/items/{article['id']}").get_json()
    assert detail["body_html"].startswith("<") and detail["blocks"] and detail["initials"]
    draft = Item(kind=ItemKind.ARTICLE, title="草稿", status=ReviewStatus.DRAFT)
    demo.add(draft)
    demo.commit()
    missing = client.get(f"/api/content/items/{draft.id}")
    assert missing.status_code == 404 and "尚未发布" in missing.get_json()["error"]["message"]


def test_media_ranges_etags_and_pdf_pages(client: FlaskClient, demo: Session, runtime) -> None:  # type: ignore[no-untyped-def]
    video = client.get("/api/content/items?kind=video&limit=1").get_json()["items"][0]
    whole = client.get(video["media_url"])
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes" and whole.headers["ETag"]
    assert "immutable" in whole.headers["Cache-Control"]
    part = client.get(video["media_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    beyond = client.get(video["media_url"], headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert beyond.status_code == 416
    again = client.get(video["media_url"], headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304
    pdf = client.get("/api/content/items?kind=pdf").get_json()["items"][0]
    assert pdf["page_count"] and pdf["page_count"] >= 1
    page = client.get(f"/api/content/items/{pdf['id']}/pages/1.png?width=900")
    assert page.status_code == 200 and page.data[:8] == b"\x89PNG\r\n\x1a\n"
    past = client.get(f"/api/content/items/{pdf['id']}/pages/{pdf['page_count'] + 1}.png")
    assert past.status_code == 404 and "没有第" in past.get_json()["error"]["message"]
    item = demo.scalar(select(Item).where(Item.id == video["id"]))
    assert item is not None
    item.status = ReviewStatus.WITHDRAWN
    demo.commit()
    log = EventLog(runtime.bus)
    runtime.bus.publish(protocol.Event(protocol.CONTENT_CHANGED, {"published": [], "withdrawn": [item.id]}))
    log.wait(protocol.CONTENT_CHANGED)
    assert client.get(video["media_url"]).status_code == 404  # withdrawn: its files go with it
