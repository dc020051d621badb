"""Remembered phones are revocable: "sign out all phones" on /m/me ends every phone's cookie (a copied
one too), and so does a new PIN; both are audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.http.signin import PHONE_COOKIE
from screen_server.org import services as org
from tests.helpers.factories import PIN, make_member, make_user


def _phone(app: Flask, number: str) -> FlaskClient:
    phone = app.test_client()
    r = phone.post("/m/challenge", data={"number": number, "pin": PIN})
    assert r.status_code == 200 and phone.get_cookie(PHONE_COOKIE) is not None
    return phone


def _remembered(phone: FlaskClient) -> bool:
    return "退出所有手机" in phone.get("/m/me").get_data(as_text=True)


def test_sign_out_all_phones_ends_every_phone(app: Flask, session: Session) -> None:
    member = make_member(session)
    session.commit()
    mine, lost = _phone(app, member.number), _phone(app, member.number)
    copied = app.test_client()
    copied.set_cookie(PHONE_COOKIE, lost.get_cookie(PHONE_COOKIE).value)  # type: ignore[union-attr]
    assert _remembered(mine) and _remembered(lost) and _remembered(copied)
    r = mine.post("/phone/forget-all")
    assert r.status_code == 200 and "所有手机上都已退出" in r.get_data(as_text=True)
    assert not _remembered(mine) and not _remembered(lost) and not _remembered(copied)
    again = _phone(app, member.number)  # the PIN still works: the phone is remembered afresh
    assert _remembered(again)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "member.phones_signed_out")) is not None


def test_a_new_pin_signs_every_phone_out(app: Flask, session: Session) -> None:
    member, admin = make_member(session), make_user(session)
    session.commit()
    phone = _phone(app, member.number)
    org.set_member_pin(session, admin, member.id, "864209")
    session.commit()
    assert not _remembered(phone)
