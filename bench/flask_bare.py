"""The HTTP baseline: a bare Flask app with one JSON endpoint, served by waitress exactly as the room
server serves its own app (same thread count and options, see ``screen_server.runner``).

    python -m bench.flask_bare --port P [--threads 16]

It answers ``GET /api/server-info`` with a JSON body of the same shape as ours (and, with ``--static
DIR``, serves that folder's files with Flask's ``send_from_directory``), until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
from types import FrameType
from typing import Any

from flask import Flask, jsonify
from waitress.server import create_server


def make_app(static: str | None = None) -> Flask:
    app = Flask(__name__)

    if static:
        from flask import send_from_directory

        @app.get("/files/<path:name>")
        def files(name: str) -> Any:  # the bare baseline of media serving: Flask's own static files
            return send_from_directory(static, name, conditional=True)

    @app.get("/api/server-info")
    def server_info() -> Any:
        return jsonify(
            {
                "name": "智慧党员活动室",
                "ws_url": "ws://127.0.0.1:8765/ws",
                "server_time": dt.datetime.now(dt.UTC).isoformat(),
                "version": "0.1.0",
                "protocol": 1,
            }
        )

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flask_bare")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--static", default=None, help="also serve this folder's files at /files/<name>")
    args = parser.parse_args(argv)
    server = create_server(
        make_app(args.static),
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="bare-flask",
        connection_limit=1000,
        channel_timeout=60,
        clear_untrusted_proxy_headers=True,
    )

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        server.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
