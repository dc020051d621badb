"""The search index follows every change: a new item is found at once, an edit re-indexes it (tags
too), a withdrawn item is no longer found; two-character terms and phrases work on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from content import search
from content import services as cs
from content.models import ItemKind
from screen_server.org.models import Role
from tests.helpers.factories import make_user


def _titles(session: Session, query: str) -> set[str]:
    return {i.title for i in search.search(session, query)}


def test_index_follows_publish_edit_and_withdraw(session: Session) -> None:
    author, reviewer = make_user(session, Role.EDITOR), make_user(session, Role.REVIEWER)
    item = cs.create_item(session, kind=ItemKind.ARTICLE, title="学习新党章", author_user_id=author.id,
                          body_markdown="坚持**民主集中制**原则。", tags=["组织建设"])
    session.commit()
    assert _titles(session, "党章") == set()  # a draft is not found
    cs.submit(session, item, actor_user_id=author.id)
    cs.approve(session, item, reviewer_user_id=reviewer.id, now=dt.datetime.now(dt.UTC))
    session.commit()
    assert _titles(session, "党章") == {"学习新党章"}
    assert _titles(session, "民主集中") == {"学习新党章"}  # body text, markup removed
    assert _titles(session, "组织建设") == {"学习新党章"}  # tags
    assert _titles(session, "章党") == set()  # characters in that order only
    cs.withdraw(session, item, actor_user_id=reviewer.id)
    session.commit()
    assert _titles(session, "党章") == set()  # withdrawn: gone from search at once
    cs.update_item(session, item, title="学习新条例", body_markdown="廉洁自律。", tags=["廉政"])
    cs.submit(session, item, actor_user_id=author.id)
    cs.approve(session, item, reviewer_user_id=reviewer.id, now=dt.datetime.now(dt.UTC))
    session.commit()
    assert _titles(session, "党章") == set() and _titles(session, "廉政") == {"学习新条例"}
    assert [i.title for i in search.search_initials(session, "xxt")] == ["学习新条例"]


def test_the_python_rule_matches_the_index() -> None:
    assert search.spaced("党章ABC 党规") == "党 章 abc 党 规"
    assert search.matches("认真学习党章", "党章") and not search.matches("认真学习党", "党章")
