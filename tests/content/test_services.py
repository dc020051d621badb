from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from content import services
from content.errors import ContentNotFound, InvalidContent, InvalidTransition, SelfReviewForbidden
from content.media import MediaStore
from content.models import Item, ItemKind, ReviewStatus
from content.orm import utcnow
from screen_server.org.models import User

S = ReviewStatus
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def make_item(session: Session, author: User, **overrides: object) -> Item:
    fields: dict = {
        "kind": ItemKind.ARTICLE,
        "title": "学习党章",
        "author_user_id": author.id,
        "body_markdown": "正文",
    }
    fields.update(overrides)
    return services.create_item(session, **fields)


def steps(item: Item) -> list[tuple[S | None, S, int | None]]:
    return [(h.from_status, h.to_status, h.actor_user_id) for h in item.history]


def png(name: str = "a.png") -> tuple[io.BytesIO, str]:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buf, "PNG")
    buf.seek(0)
    return buf, name


def test_draft_to_published_is_recorded(session: Session, author: User, reviewer: User) -> None:
    item = make_item(session, author, tags=["党章", "党课", "党章"])
    assert item.status == S.DRAFT and item.pinyin_initials == "XXDZ"
    assert [t.name for t in item.tags] == ["党章", "党课"]
    services.submit(session, item, actor_user_id=author.id, now=T0)
    services.approve(
        session, item, reviewer_user_id=reviewer.id, comment="同意", now=T0 + dt.timedelta(hours=1)
    )
    assert item.status == S.PUBLISHED and item.published_at == T0 + dt.timedelta(hours=1)
    assert steps(item) == [
        (None, S.DRAFT, author.id),
        (S.DRAFT, S.SUBMITTED, author.id),
        (S.SUBMITTED, S.PUBLISHED, reviewer.id),
    ]
    assert item.history[-1].comment == "同意" and item.history[-1].at == T0 + dt.timedelta(hours=1)


def test_the_author_cannot_review(session: Session, author: User) -> None:
    item = make_item(session, author)
    services.submit(session, item, actor_user_id=author.id)
    with pytest.raises(SelfReviewForbidden) as err:
        services.approve(session, item, reviewer_user_id=author.id)
    assert "不能审核自己" in err.value.message
    with pytest.raises(SelfReviewForbidden):
        services.return_to_author(session, item, reviewer_user_id=author.id, comment="改")
    assert item.status == S.SUBMITTED


def test_returned_with_comment_then_resubmitted(session: Session, author: User, reviewer: User) -> None:
    item = make_item(session, author)
    services.submit(session, item, actor_user_id=author.id)
    with pytest.raises(InvalidContent):
        services.return_to_author(session, item, reviewer_user_id=reviewer.id, comment="  ")
    services.return_to_author(session, item, reviewer_user_id=reviewer.id, comment="第二段数据需核实")
    assert item.status == S.RETURNED and item.history[-1].comment == "第二段数据需核实"
    services.update_item(session, item, title="学习党章（修订）", body_markdown="新正文")
    services.submit(session, item, actor_user_id=author.id)
    services.approve(session, item, reviewer_user_id=reviewer.id)
    assert item.status == S.PUBLISHED and item.title == "学习党章（修订）"


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("approve", S.DRAFT),
        ("return", S.DRAFT),
        ("withdraw", S.DRAFT),
        ("submit", S.PUBLISHED),
        ("approve", S.PUBLISHED),
        ("archive", S.SUBMITTED),
        ("submit", S.ARCHIVED),
        ("withdraw", S.ARCHIVED),
    ],
)
def test_steps_out_of_order_are_refused(
    session: Session, author: User, reviewer: User, step: str, status: S
) -> None:
    item = make_item(session, author)
    item.status = status
    session.flush()
    calls = {
        "submit": lambda: services.submit(session, item, actor_user_id=author.id),
        "approve": lambda: services.approve(session, item, reviewer_user_id=reviewer.id),
        "return": lambda: services.return_to_author(session, item, reviewer_user_id=reviewer.id, comment="x"),
        "withdraw": lambda: services.withdraw(session, item, actor_user_id=reviewer.id),
        "archive": lambda: services.archive(session, item, actor_user_id=reviewer.id),
    }
    with pytest.raises(InvalidTransition) as err:
        calls[step]()
    assert "状态的内容不能" in err.value.message
    assert item.status == status and len(item.history) == 1


def test_published_items_cannot_be_edited(session: Session, author: User, reviewer: User) -> None:
    item = make_item(session, author)
    services.submit(session, item, actor_user_id=author.id)
    with pytest.raises(InvalidTransition):
        services.update_item(session, item, title="偷偷改")
    services.approve(session, item, reviewer_user_id=reviewer.id)
    services.withdraw(session, item, actor_user_id=reviewer.id, comment="内容过时")
    services.update_item(session, item, title="更新后的标题")
    services.archive(session, item, actor_user_id=reviewer.id)
    assert [h.to_status for h in item.history] == [S.DRAFT, S.SUBMITTED, S.PUBLISHED, S.WITHDRAWN, S.ARCHIVED]
    with pytest.raises(InvalidTransition):
        services.update_item(session, item, title="再改")


def test_scheduled_publish_and_withdrawal(session: Session, author: User, reviewer: User) -> None:
    item = make_item(session, author)
    services.schedule(
        session, item, publish_at=T0 + dt.timedelta(days=1), withdraw_at=T0 + dt.timedelta(days=3)
    )
    services.submit(session, item, actor_user_id=author.id, now=T0)
    services.approve(session, item, reviewer_user_id=reviewer.id, now=T0)
    assert item.status == S.APPROVED
    assert services.list_published(session) == []

    assert services.publish_due(session, T0 + dt.timedelta(hours=23)) == ([], [])
    published, withdrawn = services.publish_due(session, T0 + dt.timedelta(days=1))
    assert published == [item] and withdrawn == [] and item.status == S.PUBLISHED
    assert item.published_at == T0 + dt.timedelta(days=1)
    assert services.publish_due(session, T0 + dt.timedelta(days=2)) == ([], [])
    published, withdrawn = services.publish_due(session, T0 + dt.timedelta(days=3, minutes=1))
    assert withdrawn == [item] and item.status == S.WITHDRAWN
    assert [(h.to_status, h.actor_user_id) for h in item.history[-2:]] == [
        (S.PUBLISHED, None),
        (S.WITHDRAWN, None),
    ]
    assert item.history[-2].comment == "定时发布"


def test_schedule_rules(session: Session, author: User) -> None:
    item = make_item(session, author)
    with pytest.raises(InvalidContent):
        services.schedule(session, item, publish_at=T0, withdraw_at=T0)
    item.status = S.ARCHIVED
    with pytest.raises(InvalidTransition):
        services.schedule(session, item, publish_at=T0, withdraw_at=None)


def test_approving_after_the_scheduled_time_publishes_at_once(
    session: Session, author: User, reviewer: User
) -> None:
    item = make_item(session, author)
    services.schedule(session, item, publish_at=T0, withdraw_at=None)
    services.submit(session, item, actor_user_id=author.id)
    services.approve(session, item, reviewer_user_id=reviewer.id, now=T0 + dt.timedelta(minutes=5))
    assert item.status == S.PUBLISHED


def test_list_and_get_published(session: Session, author: User, reviewer: User) -> None:
    history, rules = services.ensure_builtin_categories(session)[:2]
    made = []
    for n, (kind, category) in enumerate(
        [
            (ItemKind.ARTICLE, history),
            (ItemKind.ARTICLE, rules),
            (ItemKind.POSTER, history),
            (ItemKind.ARTICLE, rules),
        ]
    ):
        item = make_item(session, author, title=f"第{n}篇", kind=kind, category_id=category.id)
        services.submit(session, item, actor_user_id=author.id)
        services.approve(session, item, reviewer_user_id=reviewer.id, now=T0 + dt.timedelta(days=n))
        made.append(item)
    services.withdraw(session, made[3], actor_user_id=reviewer.id)
    draft = make_item(session, author, title="草稿", category_id=history.id)

    assert services.list_published(session) == [made[2], made[1], made[0]]  # newest first
    assert services.list_published(session, category_id=history.id) == [made[2], made[0]]
    assert services.list_published(session, kind=ItemKind.POSTER) == [made[2]]
    assert services.list_published(session, limit=1, offset=1) == [made[1]]
    assert services.get_published(session, made[0].id) is made[0]
    for hidden in (made[3].id, draft.id, 12345):
        with pytest.raises(ContentNotFound):
            services.get_published(session, hidden)


def test_item_validation(session: Session, author: User) -> None:
    with pytest.raises(InvalidContent):
        make_item(session, author, title="   ")
    with pytest.raises(ContentNotFound):
        make_item(session, author, category_id=999)
    with pytest.raises(ContentNotFound):
        make_item(session, author, main_media_id=999)
    assert session.query(Item).count() == 0


def test_media_must_fit_the_kind(session: Session, author: User, store: MediaStore) -> None:
    stream, name = png()
    image = services.add_media(session, store, stream, filename=name)
    stream, name = png("copy.png")
    again = services.add_media(session, store, stream, filename=name)
    assert again.id == image.id  # same bytes, one record
    poster = make_item(session, author, kind=ItemKind.POSTER, main_media_id=image.id, cover_media_id=image.id)
    assert poster.main_media is image
    with pytest.raises(InvalidContent) as err:
        make_item(session, author, kind=ItemKind.VIDEO, main_media_id=image.id)
    assert "与内容类型不符" in err.value.message
    with pytest.raises(InvalidContent):
        make_item(session, author, kind=ItemKind.ARTICLE, main_media_id=image.id)


def test_now_defaults_to_the_clock(session: Session, author: User) -> None:
    before = utcnow()
    item = make_item(session, author)
    services.submit(session, item, actor_user_id=author.id)
    assert before <= item.history[-1].at <= utcnow()
