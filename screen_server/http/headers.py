"""The security headers every response carries: admin pages, the JSON API, phone pages, media, the web
wall, static files and error pages alike.

Views that know better set their own Content-Security-Policy (phone pages, the web wall: they name the
WebSocket they may open); every other response gets ``DEFAULT_CSP``. No policy allows inline script or
inline style, so an injected ``<script>`` does nothing; ``frame-ancestors 'none'`` keeps every page (the
device-approval page included) out of another site's frame. HSTS is sent only when the request came
over TLS (directly, or through the shipped nginx, which says so in ``X-Forwarded-Proto``).
"""

from __future__ import annotations

from flask import Flask, Response, request

DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
               "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_tls() -> bool:
    """Whether this request reached us over HTTPS (the proxy's word is trusted: we listen on localhost
    behind it, or on a room LAN without it, where the header would only lie about HTTP)."""
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``."""

    @app.after_request
    def _secure(resp: Response) -> Response:
        headers = resp.headers
        headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        for name, value in ALWAYS.items():
            headers.setdefault(name, value)
        if is_tls():
            headers.setdefault("Strict-Transport-Security", HSTS)
        return resp
