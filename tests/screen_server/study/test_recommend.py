"""为你推荐: what the branch studies, what the member likes, what is new — with the reasons said."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from content.models import Category, Item, ItemKind, ReviewStatus
from screen_server.study import services as study
from screen_server.study.recommend import recommend
from tests.helpers.factories import make_branch, make_member

NOW = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)


def _item(session: Session, title: str, category: Category | None = None, days_old: int = 60) -> Item:
    item = Item(kind=ItemKind.ARTICLE, title=title, status=ReviewStatus.PUBLISHED, category=category,
                published_at=NOW - dt.timedelta(days=days_old))
    session.add(item)
    session.flush()
    return item


def _read(session: Session, member_id: int, item: Item, seconds: int = 120, done: bool = False) -> None:
    start = NOW - dt.timedelta(days=2)
    study.record_spans(session, [{"id": uuid.uuid4().hex, "member_id": member_id, "item_id": item.id,
                                  "started_at": start.isoformat(),
                                  "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat(),
                                  "active_seconds": seconds, "completed": done, "progress": 1 if done else 0.3}],
                       source="terminal", now=NOW)


def test_branch_interest_affinity_and_newness_with_reasons(session: Session) -> None:
    branch, other = make_branch(session), make_branch(session)
    me = make_member(session, branch_id=branch.id, title="车间主任")
    mates = [make_member(session, branch_id=branch.id) for _ in range(3)]
    stranger = make_member(session, branch_id=other.id, title="车间主任")
    clean = Category(name="廉政教育测试", position=1)
    session.add(clean)
    popular, _liked, _fresh, done, far = (_item(session, "支部都在学"), _item(session, "廉政新篇", clean),
                                        _item(session, "刚发布", days_old=1), _item(session, "我学完了"),
                                        _item(session, "别处在学"))
    seen = _item(session, "廉政旧篇", clean)
    for m in mates:
        _read(session, m.id, popular)
    _read(session, me.id, seen)
    _read(session, me.id, done, done=True)
    _read(session, stranger.id, far)
    recs = recommend(session, me, limit=10, now=NOW)
    titles = [r.item.title for r in recs]
    assert titles[0] == "廉政旧篇"  # unfinished, in the category the member studies: go on with it
    assert "我学完了" not in titles and titles.index("支部都在学") < titles.index("别处在学")
    reasons = {r.item.title: r.reasons for r in recs}
    assert "本支部 3 位同志学过" in reasons["支部都在学"]
    assert "您常学「廉政教育测试」" in reasons["廉政新篇"]
    assert "新发布" in reasons["刚发布"]
    assert "与您职务相同的同志在学" in reasons["别处在学"]
    assert "您学过一部分，可以接着学" in reasons["廉政旧篇"]
    assert [r.item.id for r in recommend(session, me, limit=10, now=NOW)] == [r.item.id for r in recs]
