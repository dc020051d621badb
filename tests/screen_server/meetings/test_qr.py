from __future__ import annotations

import datetime as dt

import pytest

from screen_server.meetings import qr

SECRET = "s3cret"
NOW = dt.datetime(2026, 11, 22, 7, 0, 7, tzinfo=dt.UTC)


def _token(meeting_id: int, at: dt.datetime) -> str:
    return qr.current(SECRET, meeting_id, at, 15).token


def test_current_and_previous_window_are_accepted() -> None:
    assert qr.check(SECRET, 5, _token(5, NOW), NOW, 15) == qr.window_of(NOW, 15)
    previous = NOW - dt.timedelta(seconds=15)
    assert qr.check(SECRET, 5, _token(5, previous), NOW, 15) == qr.window_of(previous, 15)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_token(5, NOW - dt.timedelta(seconds=45)), "expired"),  # three windows ago
        (_token(6, NOW), "forged"),  # a token for another meeting
        (_token(5, NOW + dt.timedelta(seconds=30)), "forged"),  # from the future
        ("12345", "malformed"),
        ("", "malformed"),
    ],
    ids=["three-windows-ago", "other-meeting", "future", "no-signature", "empty"],
)
def test_refused_tokens(token: str, reason: str) -> None:
    with pytest.raises(qr.TokenRefused) as refused:
        qr.check(SECRET, 5, token, NOW, 15)
    assert refused.value.reason == reason


def test_every_single_character_change_is_refused() -> None:
    token = _token(5, NOW)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(token):
        if ch == ".":
            continue
        changed = token[:i] + (alphabet[(alphabet.index(ch) + 1) % len(alphabet)]) + token[i + 1 :]
        with pytest.raises(qr.TokenRefused):
            qr.check(SECRET, 5, changed, NOW, 15)


def test_qr_path_names_the_meeting_and_expires_at_the_window_end() -> None:
    code = qr.current(SECRET, 9, NOW, 15)
    assert code.path == f"/s/9?t={code.token}"
    assert code.expires_at == dt.datetime(2026, 11, 22, 7, 0, 15, tzinfo=dt.UTC)
