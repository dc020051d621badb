"""为你推荐: unread published items for a member, each with the reasons it is suggested.

An item scores for every member of the same branch who studied it lately, for members with the same
position (职务) who did, for its category being one the member often studies, for members who studied
what this member studied having finished it, and for being new. A few aggregate queries, whatever the
size of the organisation; the same inputs give the same order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from content.models import Item, ReviewStatus
from screen_server.i18n import _
from screen_server.org.models import Member
from screen_server.study.models import StudyRecord

RECENT_DAYS = 90
NEW_DAYS = 14
WEIGHTS = {"branch": 3.0, "position": 2.0, "category": 2.5, "similar": 1.5, "new": 1.0}


@dataclass
class Recommendation:
    item: Item
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def as_json(self, summary: Any) -> dict[str, Any]:
        return {"item": summary(self.item), "score": round(self.score, 2), "reasons": self.reasons}


def _studied_by(session: Session, members: Any, since: dt.datetime) -> Counter[int]:
    rows = session.execute(select(StudyRecord.item_id, func.count(StudyRecord.id))
                           .where(StudyRecord.member_id.in_(members), StudyRecord.last_at >= since)
                           .group_by(StudyRecord.item_id)).all()
    return Counter({item_id: int(n) for item_id, n in rows})


def recommend(session: Session, member: Member, *, limit: int = 6,
              now: dt.datetime | None = None) -> list[Recommendation]:
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=RECENT_DAYS)
    mine = {r.item_id: r for r in session.scalars(select(StudyRecord).where(StudyRecord.member_id == member.id))}
    candidates = {i.id: Recommendation(i) for i in session.scalars(
        select(Item).where(Item.status == ReviewStatus.PUBLISHED)
        .options(selectinload(Item.category), selectinload(Item.tags), selectinload(Item.cover_media),
                 selectinload(Item.main_media)))
        if not (mine.get(i.id) and mine[i.id].completed)}
    if not candidates:
        return []
    same_branch = select(Member.id).where(Member.branch_id == member.branch_id, Member.id != member.id)
    for item_id, n in _studied_by(session, same_branch, since).items():
        if item_id in candidates:
            candidates[item_id].score += WEIGHTS["branch"] * min(n, 10) / 10
            candidates[item_id].reasons.append(_("本支部 {n} 位同志学过").format(n=n))
    if member.title:
        same_title = select(Member.id).where(Member.title == member.title, Member.id != member.id)
        for item_id, n in _studied_by(session, same_title, since).items():
            if item_id in candidates:
                candidates[item_id].score += WEIGHTS["position"] * min(n, 10) / 10
                candidates[item_id].reasons.append(_("与您职务相同的同志在学"))
    categories = Counter(rec_item.category_id for rec_item in session.scalars(
        select(Item).where(Item.id.in_(list(mine)))) if rec_item.category_id)
    if categories:
        favourite, count = categories.most_common(1)[0]
        for rec in candidates.values():
            share = categories.get(rec.item.category_id or -1, 0) / sum(categories.values())
            if share:
                rec.score += WEIGHTS["category"] * share
                if rec.item.category_id == favourite and rec.item.category:
                    rec.reasons.append(_("您常学「{c}」").format(c=rec.item.category.name))
    if mine:  # members who studied what this member studied: what did they finish?
        peers = select(StudyRecord.member_id).where(StudyRecord.item_id.in_(list(mine)),
                                                    StudyRecord.member_id != member.id).distinct()
        finished = session.execute(select(StudyRecord.item_id, func.count(StudyRecord.id))
                                   .where(StudyRecord.member_id.in_(peers), StudyRecord.completed.is_(True))
                                   .group_by(StudyRecord.item_id)).all()
        for item_id, n in finished:
            if item_id in candidates and item_id not in mine:
                candidates[item_id].score += WEIGHTS["similar"] * min(int(n), 10) / 10
                candidates[item_id].reasons.append(_("和您学习兴趣相近的同志学完了"))
    for rec in candidates.values():
        published = rec.item.published_at
        if published is not None:
            at = published if published.tzinfo else published.replace(tzinfo=dt.UTC)
            if now - at <= dt.timedelta(days=NEW_DAYS):
                rec.score += WEIGHTS["new"]
                rec.reasons.append(_("新发布"))
        if rec.item.id in mine:
            rec.reasons.append(_("您学过一部分，可以接着学"))
            rec.score += 0.5
    ranked = sorted(candidates.values(), key=lambda r: (-r.score, -(r.item.id)))
    return [r for r in ranked if r.reasons][:limit] or ranked[:limit]
