"""服务窗口 through the pages: a member posts from the phone (identifying once, then remembered), the
request shows on the secretary's dashboard and page, the secretary answers, the phone shows the
answer. A member's own record on the phone with a correction request that the secretary accepts or
declines; another member and another branch's secretary cannot see or answer either."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.org.models import Branch, Member, Role
from screen_server.service_window.models import CorrectionRequest, ServiceRequest
from tests.admin.forms import OTHER_BRANCH, SECRETARY_BRANCH, login, post
from tests.helpers.factories import PASSWORD, make_user

PIN = "246810"


def _member(s: Session, branch: str, nth: int = 0) -> Member:
    found = s.scalars(select(Member).join(Member.branch).where(Branch.name == branch).order_by(Member.id)).all()
    return found[nth]


def _phone(app: Flask, member: Member) -> FlaskClient:
    """A phone that identified once on /m/record (and is remembered afterwards)."""
    phone = app.test_client()
    page = phone.post("/m/record", data={"number": member.number, "pin": PIN})
    assert page.status_code == 200, page.get_data(as_text=True)
    return phone


def test_phone_request_reaches_the_secretary_and_the_answer_the_phone(app: Flask, as_secretary: FlaskClient,
                                                                       demo: Session) -> None:
    member = _member(demo, SECRETARY_BRANCH)
    phone = app.test_client()
    form = phone.get("/m/services").get_data(as_text=True)
    assert "困难帮扶" in form and "志愿服务报名" in form and 'name="number"' in form and "<script" not in form
    refused = phone.post("/m/services", data={"category": "hardship", "text": "母亲住院，需要帮助",
                                              "client_id": "phone-form-1", "number": member.number, "pin": "000000"})
    assert refused.status_code == 401 and "母亲住院，需要帮助" in refused.get_data(as_text=True)
    assert demo.scalar(select(ServiceRequest)) is None
    done = phone.post("/m/services", data={"category": "hardship", "text": "母亲住院，需要帮助",
                                           "client_id": "phone-form-1", "number": member.number, "pin": PIN})
    assert done.status_code == 200 and "已提交" in done.get_data(as_text=True)
    phone.post("/m/services", data={"category": "hardship", "text": "母亲住院，需要帮助", "client_id": "phone-form-1"})
    demo.expire_all()
    assert len(demo.scalars(select(ServiceRequest)).all()) == 1

    dash = as_secretary.get("/admin/").get_data(as_text=True)
    assert "党员诉求" in dash and "母亲住院，需要帮助" in dash and member.name in dash
    page = as_secretary.get("/admin/services").get_data(as_text=True)
    req = demo.scalar(select(ServiceRequest))
    assert req is not None and f'id="request-{req.id}"' in page
    r = post(as_secretary, f"/admin/services/{req.id}/answer", {"answer": "已联系社区卫生站，明天上门"},
             page="/admin/services")
    assert r.status_code == 302
    mine = phone.get("/m/services").get_data(as_text=True)
    assert "已办结" in mine and "答复：已联系社区卫生站，明天上门" in mine


def test_another_branch_never_sees_or_answers(app: Flask, client: FlaskClient, demo: Session) -> None:
    member = _member(demo, OTHER_BRANCH)
    phone = _phone(app, member)
    phone.post("/m/services", data={"category": "suggestion", "text": "二支部的建议", "client_id": "phone-form-2"})
    phone.post("/m/record/corrections", data={"field": "education", "proposed": "博士后研究员", "reason": "二支部的更正理由",
                                              "client_id": "phone-form-3"})
    demo.expire_all()
    req, corr = demo.scalar(select(ServiceRequest)), demo.scalar(select(CorrectionRequest))
    assert req is not None and corr is not None
    login(client, "secretary1", "demo-secretary-2026")
    page = client.get("/admin/services").get_data(as_text=True)
    assert "二支部的建议" not in page and "二支部的更正理由" not in page
    assert post(client, f"/admin/services/{req.id}/answer", {"answer": "越权"}, page="/admin/services").status_code == 404
    assert post(client, f"/admin/services/corrections/{corr.id}/accept", {}, page="/admin/services").status_code == 404
    other_phone = _phone(app, _member(demo, SECRETARY_BRANCH))
    assert "二支部的建议" not in other_phone.get("/m/services").get_data(as_text=True)
    assert "二支部的更正理由" not in other_phone.get("/m/record").get_data(as_text=True)


def test_own_record_and_a_correction_accepted_or_declined(app: Flask, demo: Session) -> None:
    member = _member(demo, OTHER_BRANCH)
    secretary = make_user(demo, Role.SECRETARY, branch_id=member.branch_id, username="sec-two-test")
    demo.commit()
    anonymous = app.test_client().get("/m/record").get_data(as_text=True)
    assert "党员编号" in anonymous and "个人信息" not in anonymous
    phone = _phone(app, member)
    page = phone.get("/m/record").get_data(as_text=True)
    for heading in ("个人信息", "参加组织生活", "学习与积分", "考核得分", "申请更正"):
        assert heading in page
    assert member.number in page
    bad = phone.post("/m/record/corrections", data={"field": "title", "proposed": "", "reason": "升职了",
                                                    "client_id": "phone-form-4"})
    assert bad.status_code == 400 and "请填写正确的内容" in bad.get_data(as_text=True)
    phone.post("/m/record/corrections", data={"field": "title", "proposed": "支部委员", "reason": "换届后任职",
                                              "client_id": "phone-form-5"})
    phone.post("/m/record/corrections", data={"field": "education", "proposed": "博士", "reason": "写错了",
                                              "client_id": "phone-form-6"})
    demo.expire_all()
    title, education = demo.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id)).all()
    admin = app.test_client()
    login(admin, "sec-two-test", PASSWORD)
    assert "2</span> 件个人信息更正申请待处理" in admin.get("/admin/").get_data(as_text=True)
    listed = admin.get("/admin/services").get_data(as_text=True)
    assert "支部委员" in listed and "换届后任职" in listed
    assert post(admin, f"/admin/services/corrections/{title.id}/accept", {"value": "支部委员"},
                page="/admin/services").status_code == 302
    assert post(admin, f"/admin/services/corrections/{education.id}/decline", {"reason": "请带学历证书到支部核对"},
                page="/admin/services").status_code == 302
    demo.expire_all()
    assert demo.get(Member, member.id).title == "支部委员"  # type: ignore[union-attr]
    shown = phone.get("/m/record").get_data(as_text=True)
    assert "已更正" in shown and "未采纳" in shown and "请带学历证书到支部核对" in shown
    assert secretary.id
