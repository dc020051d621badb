"""Where the API and its own description used to disagree, seen from outside as a client generator
would: TRACE answers 405 with Allow; ids past the database's range (64 bits, or an INTEGER column's 32
on PostgreSQL) are not found, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.helpers.factories import make_device


@pytest.mark.parametrize("path", ["/api/content/items", "/api/devices/pairing", "/healthz"])
def test_an_unsupported_method_names_the_allowed_ones(client: FlaskClient, path: str) -> None:
    resp = client.open(path, method="TRACE")
    assert resp.status_code == 405
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert allowed and "TRACE" not in allowed and allowed <= {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize("ident", [2**31, 2**63, 2**64 + 1, 10**30])
def test_ids_past_the_database_range_are_not_found(client: FlaskClient, session, ident: int) -> None:  # type: ignore[no-untyped-def]
    _device, token = make_device(session)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    for path in (f"/api/device/members/{ident}/assessment", f"/api/content/items/{ident}",
                 f"/api/device/members/{ident}/summary"):
        resp = client.get(path, headers=auth)
        assert resp.status_code == 404, path
        assert resp.get_json()["error"]["code"] == "not_found"


def test_the_largest_id_is_looked_up_and_not_found(client: FlaskClient) -> None:
    resp = client.get(f"/api/content/items/{2**31 - 1}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query", ["offset=null&offset=null", "limit=null&limit=null", "offset=1&offset=2",
                                   "limit=abc", "limit=0", "limit=501", "offset=-1"])
def test_paging_parameters_are_whole_numbers_given_once_and_in_range(client: FlaskClient, query: str) -> None:
    resp = client.get("/api/content/items?" + query)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid"
    assert "参数" in resp.get_json()["error"]["message"]


def test_paging_within_range_is_accepted(client: FlaskClient) -> None:
    assert client.get("/api/content/items?limit=500&offset=0").status_code == 200
    assert client.get("/api/content/items").get_json() == {"items": [], "total": 0}


def test_the_description_says_what_the_server_does(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    search = {p["name"]: p["schema"] for p in spec["paths"]["/api/content/search"]["get"]["parameters"]}
    # initials= (empty) and limit=0 are refused, and the description says so.
    assert search["initials"]["minLength"] == 1 and search["limit"]["minimum"] == 1
    assert client.get("/api/content/search?initials=&limit=0").status_code == 400
    pairing = spec["components"]["schemas"]["Pairing"]["properties"]
    assert pairing["pairing_code"]["nullable"] is True  # null on an auto-approved (demo) request
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert {"405", "default"} <= set(op["responses"]), (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)


@pytest.mark.parametrize("member_id", [[None, None], {"a": 1}, 1.5, True, "七", 2**64, -1, None])
def test_a_member_id_that_is_not_an_id_is_refused_not_a_500(client: FlaskClient, session, member_id) -> None:  # type: ignore[no-untyped-def]
    """Found by Schemathesis: ``{"member_id": [null, null]}`` on the leave and make-up routes was a 500."""
    from tests.admin.forms import login
    from tests.helpers.factories import PASSWORD, make_user

    make_user(session, username="wire-admin")
    session.commit()
    login(client, "wire-admin", PASSWORD)
    for path in ("/api/meetings/1/leaves", "/api/meetings/1/makeups"):
        resp = client.post(path, json={"member_id": member_id, "reason": "出差"},
                           headers={"X-CSRFToken": _csrf(client)})
        assert resp.status_code == 400, (path, resp.get_json())
        assert "member_id" in resp.get_json()["error"]["message"]


def _csrf(client: FlaskClient) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/").get_data(as_text=True))
    assert found
    return found.group(1)


def test_numbers_past_the_database_range_in_a_query_are_refused(client: FlaskClient, session) -> None:  # type: ignore[no-untyped-def]
    """Found by Schemathesis: ``GET /api/meetings?branch_id=839234461251464200192`` was a 500."""
    from tests.admin.forms import login
    from tests.helpers.factories import PASSWORD, make_user

    make_user(session, username="range-admin")
    session.commit()
    login(client, "range-admin", PASSWORD)
    resp = client.get("/api/meetings?branch_id=839234461251464200192")
    assert resp.status_code == 400 and "branch_id" in resp.get_json()["error"]["message"]
    for query in ("branch_id=null&branch_id=null", "branch_id=1&branch_id=2", "branch_id=abc"):
        assert client.get("/api/members?" + query).status_code == 400, query
    # A page that still reads a number loosely: the overflow in the database is a 400 page, not a 500.
    page = client.get("/admin/members?branch_id=839234461251464200192")
    assert page.status_code == 400 and "请求中的数字超出范围。" in page.get_data(as_text=True)
    resp = client.post("/api/meetings", json={"title": "会", "type": "branch_general", "branch_ids": "AAA"},
                       headers={"X-CSRFToken": _csrf(client)})
    assert resp.status_code == 400 and "branch_ids" in resp.get_json()["error"]["message"]
