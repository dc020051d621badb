"""The baseline for ``signin_64``: a bare Flask endpoint doing one ORM insert + commit per request into a
SQLite file with WAL and synchronous NORMAL (ours runs FULL since the durability work: the baseline keeps
the cheaper setting, so the comparison is, if anything, unfair to us), served by waitress the same way.

``python -m bench.signin_bare --port P --threads T --db FILE``
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from waitress import serve


class Base(DeclarativeBase):
    pass


class SignIn(Base):
    __tablename__ = "signins"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


def make_app(db: str) -> Flask:
    engine = create_engine(f"sqlite:///{db}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    app = Flask(__name__)

    @app.post("/signin")
    def signin() -> Any:
        member_id = int((request.get_json() or {})["member_id"])
        with sessions() as s:
            s.add(SignIn(member_id=member_id, at=dt.datetime.now(dt.UTC)))
            s.commit()
        return jsonify({"created": True}), 201

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    return app


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--db", required=True)
    a = p.parse_args()
    serve(make_app(a.db), host="127.0.0.1", port=a.port, threads=a.threads, connection_limit=1000, _quiet=True)


if __name__ == "__main__":
    main()
