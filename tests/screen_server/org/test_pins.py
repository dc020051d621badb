"""Initial PINs for many members: random, hashed, audited, scoped; weak PINs refused; the member must
choose their own before anything else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.errors import Forbidden, Invalid, NotAuthenticated
from screen_server.org import pins
from screen_server.org import services as org
from screen_server.org.models import Role
from screen_server.runtime import Runtime  # noqa: I001
from screen_server.security import verify_secret
from tests.helpers.factories import PIN, make_branch, make_member, make_user


@pytest.mark.parametrize(("pin", "reason"), [
    ("123456", "连续"), ("654321", "连续"), ("890123", "连续"), ("111111", "重复"), ("121212", "重复"),
    ("135135", "两段相同"), ("12345", "6 位数字"), ("abcdef", "6 位数字"),
])
def test_weak_pins(pin: str, reason: str) -> None:
    problem = pins.weakness(pin)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("pin", ["850312", "198503", "031285", "120385", "031219", "985031"])
def test_birth_dates_are_refused(pin: str) -> None:
    problem = pins.weakness(pin, dt.date(1985, 3, 12))
    assert problem is not None and "出生日期" in problem


def test_good_pins_and_generated_ones_pass() -> None:
    assert pins.weakness("583920", dt.date(1985, 3, 12)) is None
    assert all(pins.weakness(pins.new_pin()) is None for _ in range(200))


def test_issue_for_a_branch_hashes_flags_and_audits(session: Session) -> None:
    branch, other = make_branch(session), make_branch(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    mine = [make_member(session, branch_id=branch.id) for _ in range(3)]
    theirs = make_member(session, branch_id=other.id)
    left = make_member(session, branch_id=branch.id, active=False)
    issued = pins.issue_pins(session, secretary, branch_id=branch.id)
    assert [p.number for p in issued] == sorted(m.number for m in mine) and left.number not in {p.number for p in issued}
    for p in issued:
        member = next(m for m in mine if m.id == p.member_id)
        assert len(p.pin) == 6 and p.pin.isdigit() and p.pin not in (member.pin_hash or "")
        assert verify_secret(member.pin_hash, p.pin) and member.pin_must_change
    assert verify_secret(theirs.pin_hash, PIN) and not theirs.pin_must_change
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "member.pins_issue"))
    assert entry is not None and entry.details["count"] == 3
    assert not any(p.pin in str(entry.details) for p in issued)  # the audit never holds a PIN


def test_a_secretary_cannot_issue_or_reset_for_another_branch(session: Session) -> None:
    branch, other = make_branch(session), make_branch(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    theirs = make_member(session, branch_id=other.id)
    before = theirs.pin_hash
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        pins.issue_pins(session, secretary, branch_id=other.id)
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        pins.issue_pins(session, secretary, member_ids=[theirs.id])
    with pytest.raises(Forbidden, match="您只能管理本支部的党员"):
        pins.reset_pin(session, secretary, theirs.id)
    assert theirs.pin_hash == before and not theirs.pin_must_change
    with pytest.raises(Invalid, match="请选择要发放密码的支部"):
        pins.issue_pins(session, secretary)


def test_initial_pin_must_be_changed_before_anything_else(runtime: Runtime, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    member = make_member(session, birth_date=dt.date(1985, 3, 12))
    slip = pins.reset_pin(session, admin, member.id)
    session.commit()  # the lockout store counts tries in a transaction of its own
    with pytest.raises(pins.PinChangeRequired) as stopped:
        org.authenticate_member(session, member.number, slip.pin, lockouts=runtime.lockouts)
    assert stopped.value.code == "pin_change_required" and "初始密码" in stopped.value.message
    with pytest.raises(NotAuthenticated):
        org.authenticate_member(session, member.number, PIN, lockouts=runtime.lockouts)  # the old PIN is dead
    for weak, reason in (("123456", "连续"), ("850312", "出生日期"), (slip.pin, "相同")):
        with pytest.raises(Invalid, match=reason):
            pins.change_own_pin(session, member, slip.pin, weak, weak)
        assert member.pin_must_change and verify_secret(member.pin_hash, slip.pin)
    with pytest.raises(Invalid, match="不一致"):
        pins.change_own_pin(session, member, slip.pin, "583920", "583921")
    with pytest.raises(NotAuthenticated):
        pins.change_own_pin(session, member, "000000", "583920", "583920")
    pins.change_own_pin(session, member, slip.pin, "583920", "583920")
    assert not member.pin_must_change
    session.commit()
    assert org.authenticate_member(session, member.number, "583920", lockouts=runtime.lockouts).id == member.id
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "member.pin_change")) is not None


def test_issue_for_an_import_batch(session: Session) -> None:
    branch, other = make_branch(session), make_branch(session)
    admin = make_user(session, Role.ADMIN)
    batch = [make_member(session, branch_id=branch.id), make_member(session, branch_id=other.id)]
    untouched = make_member(session, branch_id=branch.id)
    issued = pins.issue_pins(session, admin, member_ids=[m.id for m in batch])
    assert {p.member_id for p in issued} == {m.id for m in batch}
    assert all(m.pin_must_change for m in batch) and not untouched.pin_must_change
    assert verify_secret(untouched.pin_hash, PIN)
