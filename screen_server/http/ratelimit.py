"""Rate limits per client address: pairing requests, contest code lookups and every anonymous POST.

This is about volume (flooding the pairing table, walking the 900,000 contest codes, hammering forms;
for contest codes only the lookups that find nothing count, so a room full of phones behind one address
joining the real contest is never held up),
not about guessing one account's secret: lockouts of PINs and passwords per account are a separate
module of the identity work. The counters live where every server process sees them: in Redis when
``REDIS_URL`` is set (the ``limits`` library, the engine of Flask-Limiter, with its Redis storage), in
this process's memory otherwise (a single-process installation, the default). A refusal is 429 with
the JSON error shape (or a phone page) and a ``Retry-After``.

Behind the shipped nginx the peer is 127.0.0.1; the client is then the last address nginx appended to
``X-Forwarded-For`` (a header from anyone else is ignored, so it cannot be forged from outside).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from screen_server.http.common import client_ip
from screen_server.i18n import _

PHONE_COOKIE = "ar_phone"


@dataclass(frozen=True, slots=True)
class Rule:
    """A limit on the requests ``matches`` picks, counted per client address under ``scope``."""

    scope: str
    limits: str  # e.g. "10/minute;50/hour"
    methods: tuple[str, ...]
    endpoints: tuple[str, ...] = ()  # empty: any endpoint (with ``anonymous``)
    anonymous: bool = False  # only requests without an admin session, a device token or a phone cookie
    misses_only: bool = False  # count only answers that found nothing (404): guesses, not the room's phones


RULES = (
    Rule("pairing", "10/minute;60/hour", ("POST",), ("devices_api.request_pairing",)),
    Rule("pairing-poll", "120/minute", ("GET",), ("devices_api.poll_pairing",)),
    Rule("contest-code", "30/minute;300/hour", ("GET", "POST"),
         ("contest_players.join_page", "contest_players.join", "contest_players.play"), misses_only=True),
    # A room's phones may share one address (Wi-Fi behind NAT) and identify in a burst when a meeting opens.
    Rule("anonymous-post", "120/minute;1200/hour", ("POST",), anonymous=True),
)
# Carry a credential of their own, checked cheaply: a contest answer names its player's secret (2,000
# players answer within seconds, possibly from one address).
NOT_ANONYMOUS = frozenset({"contest_players.answer"})


def _is_anonymous() -> bool:
    cookies = request.cookies
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return False
    return PHONE_COOKIE not in cookies and current_app.config.get("SESSION_COOKIE_NAME", "session") not in cookies


class RateLimits:
    """The app's limits: checked before each request, on storage shared by every process."""

    def __init__(self, storage_uri: str, namespace: str = "") -> None:
        storage = storage_from_string(storage_uri)
        assert isinstance(storage, Storage)  # the synchronous storage (not limits.aio's)
        self.storage = storage
        self.namespace = namespace  # installations (and test databases) sharing one Redis count apart
        self.limiter: RateLimiter = MovingWindowRateLimiter(self.storage)
        self._parsed: dict[str, list[RateLimitItem]] = {r.scope: parse_many(r.limits) for r in RULES}

    def check(self) -> tuple[Rule, int] | None:
        """Count this request against every rule it falls under; the rule broken and seconds to wait, if any."""
        for rule in RULES:
            if request.method not in rule.methods:
                continue
            if rule.endpoints and request.endpoint not in rule.endpoints:
                continue
            if rule.anonymous and (request.endpoint in NOT_ANONYMOUS or not _is_anonymous()):
                continue
            who = f"{self.namespace}:{client_ip()}"
            for item in self._parsed[rule.scope]:
                spent = not self.limiter.test(item, rule.scope, who) if rule.misses_only \
                    else not self.limiter.hit(item, rule.scope, who)
                if spent:
                    reset = self.limiter.get_window_stats(item, rule.scope, who).reset_time
                    return rule, max(1, int(reset - time.time()))
        return None


    def count_miss(self, status: int) -> None:
        """After the answer: a lookup that found nothing counts against the rules that count misses."""
        if status != 404:
            return
        for rule in RULES:
            if rule.misses_only and request.method in rule.methods and request.endpoint in rule.endpoints:
                who = f"{self.namespace}:{client_ip()}"
                for item in self._parsed[rule.scope]:
                    self.limiter.hit(item, rule.scope, who)


def install(app: Flask, storage_uri: str, namespace: str = "") -> RateLimits:
    """Check the limits before every request of ``app``."""
    limits = RateLimits(storage_uri, namespace)
    app.extensions["activity_room.ratelimits"] = limits

    @app.before_request
    def _limit() -> Any:
        broken = limits.check()
        if broken is None:
            return None
        _rule, wait = broken
        from screen_server.http.common import error_response, wants_json
        from screen_server.http.phone import phone_page

        message = _("请求过于频繁，请 {n} 秒后再试。").format(n=wait)
        if wants_json() or request.path.startswith("/admin"):
            resp = error_response("rate_limited", message, 429)[0]
            resp.status_code = 429
        else:
            resp = phone_page("refused.html", 429, message=message, heading=_("请稍后再试"))
        resp.headers["Retry-After"] = str(wait)
        return resp

    @app.after_request
    def _count_miss(resp: Any) -> Any:
        limits.count_miss(resp.status_code)
        return resp

    return limits
