"""How every phone page is answered: plain HTML, nothing from other hosts, never framed, never cached.

A page that runs a script of ours (a live contest) may load it from this server and talk to the room's
WebSocket; a page may also load a small script of ours that only helps with a form (the message wall's
character counter) and works without it. Every other phone page runs no script at all."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template


def phone_page(template: str, status: int = 200, *, connect: str = "", scripts: bool = False,
               **ctx: Any) -> Response:
    """Render ``phone/<template>``; ``connect`` (a ws:// origin) allows our scripts and that socket,
    ``scripts`` our scripts alone."""
    resp = make_response(render_template(f"phone/{template}", **ctx), status)
    policy = ("default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'")
    if connect:
        policy += f"; script-src 'self'; connect-src 'self' {connect}"
    elif scripts:
        policy += "; script-src 'self'"
    resp.headers["Content-Security-Policy"] = policy
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
