"""One error base, in the lowest layer: the server's errors and the learning library's all derive from
``content.errors.DomainError``, and the one handler answers both the same way."""

from __future__ import annotations

import inspect

from flask import Flask

import content.errors as content_errors
import screen_server.errors as server_errors
from screen_server.http.common import install_error_handlers


def _errors(module: object) -> list[type[Exception]]:
    return [c for _n, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, Exception) and c.__module__ == module.__name__]  # type: ignore[attr-defined]


def test_every_domain_error_derives_from_the_one_base_in_content() -> None:
    base = server_errors.DomainError
    assert base is content_errors.DomainError and base.__module__ == "content.errors"
    found = _errors(server_errors) + _errors(content_errors)
    assert len(found) >= 12
    assert all(issubclass(c, base) for c in found)
    # The arrow points down: no content error is (or derives from) a server error.
    assert not any(issubclass(c, server_errors.Invalid) for c in _errors(content_errors))
    assert not issubclass(content_errors.ContentError, server_errors.Invalid)


def test_one_handler_answers_server_and_content_errors_alike() -> None:
    app = Flask(__name__)
    install_error_handlers(app)

    @app.get("/api/server")
    def _server() -> None:
        raise server_errors.NotFound("找不到这位党员。")

    @app.get("/api/content")
    def _content() -> None:
        raise content_errors.ContentNotFound("找不到这篇文章。")

    client = app.test_client()
    server, content = client.get("/api/server"), client.get("/api/content")
    assert server.status_code == content.status_code == 404
    assert server.get_json() == {"error": {"code": "not_found", "message": "找不到这位党员。"}}
    assert content.get_json() == {"error": {"code": "not_found", "message": "找不到这篇文章。"}}
