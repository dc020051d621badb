"""A test client that submits phone forms the way a phone's browser does: with the CSRF token the
server put in the page.

Most tests post phone forms (``/s/…``, ``/v/…``, ``/m/challenge`` …) to test what the form does, not
the token; this client fetches a phone page first and adds its token, like a browser that loaded the
form. Posts that name a ``csrf_token`` themselves, JSON bodies, the admin's forms and the API are sent
as given. The CSRF walk (``tests/screen_server/http/test_csrf_walk.py``) uses a plain client.
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_PAGE = "/m/challenge"  # a phone page that always shows a form


class PhoneFormClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        method = str(kwargs.get("method") or "GET").upper()
        path = str(args[0]) if args and isinstance(args[0], str) else ""
        data = kwargs.get("data")
        if (method == "POST" and path and not path.startswith(("/admin", "/api")) and "json" not in kwargs
                and (data is None or isinstance(data, dict)) and "csrf_token" not in (data or {})):
            kwargs["data"] = {**(data or {}), "csrf_token": self.phone_token()}
        return super().open(*args, **kwargs)

    def phone_token(self) -> str:
        match = TOKEN.search(super().open(TOKEN_PAGE, method="GET").get_data(as_text=True))
        assert match, "the phone page has no CSRF token"
        return match.group(1)


def post_form(browser: Any, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Post a phone form to a live server as a phone's browser does: load the page first (its cookie and
    CSRF token), then submit. ``browser`` is a ``requests.Session``."""
    page = browser.get(url, timeout=kwargs.get("timeout", 10))
    match = TOKEN.search(page.text)
    assert match, f"the page {url} has no CSRF token ({page.status_code})"
    return browser.post(url, data={**data, "csrf_token": match.group(1)}, **{"timeout": 10, **kwargs})
