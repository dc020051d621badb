"""Members by hand: add, edit (党员类别 too), left, restore, move; the secretary's scope; records keep
their branch after a move; a member who left signs in nowhere and leaves the expected lists and rankings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.errors import Forbidden, Invalid, NotAuthenticated
from screen_server.meetings.models import Attendance, MeetingType, SignInMethod, meeting_expected
from screen_server.meetings.services import LOCAL_TZ, create_meeting
from screen_server.meetings.signins import record_sign_in
from screen_server.org import members as people
from screen_server.org import services as org
from screen_server.org.models import LeftReason, Member, PartyGroup, PartyStatus, Role
from screen_server.points import leaderboard
from screen_server.points.models import PointsEntry
from screen_server.runtime import Runtime  # noqa: I001
from screen_server.stats.services import attendance_by_branch
from tests.helpers.factories import PIN, make_branch, make_member, make_room, make_user


def _fields(**kw: object) -> people.MemberFields:
    base = {"number": "N001", "name": "周 晓明", "gender": "female", "birth_date": "1985.03",
            "joined_party_on": "2010年7月1日", "education": "本科", "employment_type": "在职",
            "party_status": "probationary", "phone": "１３８１２３４５６７８"}
    return people.MemberFields(**(base | kw))  # type: ignore[arg-type]


def _audits(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_add_and_edit_a_member_by_hand(session: Session) -> None:
    branch = make_branch(session)
    group = PartyGroup(branch_id=branch.id, name="一组")
    session.add(group)
    admin = make_user(session, Role.ADMIN)
    m = people.create_member(session, admin, branch_id=branch.id, fields=_fields(group_id=group.id))
    assert (m.number, m.name, m.phone, m.party_status) == ("N001", "周晓明", "13812345678", PartyStatus.PROBATIONARY)
    assert m.birth_date == dt.date(1985, 3, 1) and m.birth_date_precision.value == "month"
    assert m.group_id == group.id and m.pin_hash is None and _audits(session, "member.create") == 1

    people.update_member(session, admin, m.id, _fields(party_status="full", name="周晓明", title="支部委员"))
    assert m.party_status is PartyStatus.FULL and m.title == "支部委员"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "member.update"))
    assert entry is not None and entry.details["changed"]["party_status"] == ["probationary", "full"]


@pytest.mark.parametrize(("kw", "message"), [
    ({"number": ""}, "请填写党员编号"),
    ({"name": " "}, "请填写姓名"),
    ({"birth_date": "85.3"}, "年份必须写四位数"),
    ({"phone": "12345"}, "不是有效的手机号"),
    ({"party_status": "member"}, "党员类别只能是正式党员或预备党员"),
    ({"birth_date": "2000-01-01", "joined_party_on": "2010-01-01"}, "入党时不满18岁"),
])
def test_bad_fields_are_refused_and_change_nothing(session: Session, kw: dict[str, str], message: str) -> None:
    branch = make_branch(session)
    admin = make_user(session, Role.ADMIN)
    with pytest.raises(Invalid) as exc:
        people.create_member(session, admin, branch_id=branch.id, fields=_fields(**kw))
    assert message in exc.value.message
    assert session.scalar(select(func.count(Member.id))) == 0


def test_duplicate_number_is_refused(session: Session) -> None:
    existing = make_member(session)
    admin = make_user(session, Role.ADMIN)
    with pytest.raises(Invalid, match="已被其他党员使用"):
        people.create_member(session, admin, branch_id=existing.branch_id, fields=_fields(number=existing.number))


def test_a_secretary_acts_only_on_their_own_branch(session: Session) -> None:
    mine, other = make_branch(session), make_branch(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=mine.id)
    stranger = make_member(session, branch_id=other.id)
    before = (stranger.name, stranger.active)
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        people.create_member(session, secretary, branch_id=other.id, fields=_fields())
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        people.update_member(session, secretary, stranger.id, _fields(number=stranger.number))
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        people.record_left(session, secretary, stranger.id, reason="deceased", left_on="2026-11-01")
    own = make_member(session, branch_id=mine.id)
    with pytest.raises(Forbidden, match="只有系统管理员可以把党员调到其他支部"):
        people.move_member(session, secretary, own.id, branch_id=other.id)
    session.refresh(stranger)
    assert (stranger.name, stranger.active) == before and own.branch_id == mine.id
    assert session.scalar(select(func.count(Member.id)).where(Member.branch_id == other.id)) == 1


def test_a_member_who_left_keeps_records_but_signs_in_nowhere(runtime: Runtime, session: Session, settings: Settings) -> None:
    branch = make_branch(session)
    admin = make_user(session, Role.ADMIN)
    stays, leaves = make_member(session, branch_id=branch.id), make_member(session, branch_id=branch.id)
    now = dt.datetime.now(dt.UTC)
    past = create_meeting(session, settings, admin, title="上月会议", type=MeetingType.BRANCH_GENERAL,
                          branch_ids=[branch.id], room_id=make_room(session).id,
                          starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1),
                          signin_opens_at=now - dt.timedelta(hours=3), signin_closes_at=now + dt.timedelta(hours=1))
    future = create_meeting(session, settings, admin, title="下月会议", type=MeetingType.BRANCH_GENERAL,
                            branch_ids=[branch.id], starts_at=now + dt.timedelta(days=30),
                            ends_at=now + dt.timedelta(days=30, hours=1))
    record_sign_in(session, settings, meeting_id=past.id, member_id=leaves.id, method=SignInMethod.QR)
    session.add(PointsEntry(member_id=leaves.id, rule_key="manual", ref="t", points=50, reason="测试",
                            day=dt.date.today()))
    session.flush()
    assert leaves.id in {r.id for r in leaderboard.members(session, "year", masked=False)}
    with pytest.raises(Invalid, match="请填写说明"):
        people.record_left(session, admin, leaves.id, reason="other", left_on="2026-11-01")
    with pytest.raises(Invalid, match="请选择离开原因"):
        people.record_left(session, admin, leaves.id, reason="fired", left_on="2026-11-01")
    assert leaves.active
    people.record_left(session, admin, leaves.id, reason="transferred_out", left_on="2026-11-01",
                       note="转往市委党校")
    assert not leaves.active and leaves.left_reason is LeftReason.TRANSFERRED_OUT
    assert leaves.left_on == dt.date(2026, 11, 1) and _audits(session, "member.left") == 1
    # History kept; gone from the future meeting's expected list, still in the past one's.
    assert session.scalar(select(func.count(Attendance.id)).where(Attendance.member_id == leaves.id)) == 1
    expected = set(session.execute(select(meeting_expected.c.meeting_id).where(
        meeting_expected.c.member_id == leaves.id)).scalars())
    assert expected == {past.id} and future.id not in expected
    session.commit()  # the lockout store counts tries in a transaction of its own
    with pytest.raises(NotAuthenticated):
        org.authenticate_member(session, leaves.number, PIN, lockouts=runtime.lockouts)
    assert org.authenticate_member(session, stays.number, PIN, lockouts=runtime.lockouts).id == stays.id
    assert leaves.id not in {r.id for r in leaderboard.members(session, "year", masked=False)}
    history = people.history(session, admin, leaves.id)
    assert [r["status"] for r in history["attendance"]] == ["出席"] and history["assessment"] is None
    people.restore_member(session, admin, leaves.id)
    assert leaves.active and leaves.left_reason is None and _audits(session, "member.restore") == 1


def test_a_move_keeps_records_with_the_branch_they_were_made_in(session: Session, settings: Settings) -> None:
    old, new = make_branch(session), make_branch(session)
    admin = make_user(session, Role.ADMIN)
    mover = make_member(session, branch_id=old.id)
    make_member(session, branch_id=old.id)
    now = dt.datetime.now(dt.UTC)
    meeting = create_meeting(session, settings, admin, title="支部大会", type=MeetingType.BRANCH_GENERAL,
                             branch_ids=[old.id], starts_at=now - dt.timedelta(hours=2),
                             ends_at=now - dt.timedelta(hours=1), signin_opens_at=now - dt.timedelta(hours=3),
                             signin_closes_at=now + dt.timedelta(hours=1))
    record_sign_in(session, settings, meeting_id=meeting.id, member_id=mover.id, method=SignInMethod.QR)
    today = now.astimezone(LOCAL_TZ).date()  # the ledger's days are Beijing days

    def rates() -> dict[int, tuple[int, int]]:
        return {r["id"]: (r["expected"], r["present"])
                for r in attendance_by_branch(session, first=today - dt.timedelta(days=1), last=today)}

    assert rates()[old.id] == (2, 1)
    with pytest.raises(Invalid, match="无需调动"):
        people.move_member(session, admin, mover.id, branch_id=old.id)
    people.move_member(session, admin, mover.id, branch_id=new.id)
    assert mover.branch_id == new.id and _audits(session, "member.move") == 1
    attendance = session.scalar(select(Attendance).where(Attendance.member_id == mover.id))
    assert attendance is not None and attendance.branch_id == old.id
    # The old branch keeps its place and its sign-in; the new branch gets none of that history.
    assert rates()[old.id] == (2, 1) and rates()[new.id] == (0, 0)
