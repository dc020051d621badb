"""deploy/update.sh, run for real in a throwaway root: the installed "venv" runs a copy of this code
(a wrapper around this interpreter), `pip install` copies a new build into it, and `systemctl`
starts and stops a real server on a free port. An update to a build whose migration fails rolls back:
the previous program, the database from the pre-update backup, and /healthz answering the old version."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.procs import free_port
from tests.deploy.files import DEPLOY, ROOT

PACKAGES = ("screen_server", "content", "admin")
FAILING_MIGRATION = '''"""a migration that fails (the update test's broken build)

Revision ID: zz_broken
Revises: {head}
"""

revision = "zz_broken"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from alembic import op

    op.execute("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
    raise RuntimeError("this build's migration is broken")


def downgrade() -> None:
    pass
'''


def _build(target: Path, version: str, *, broken: bool = False) -> Path:
    """A source tree of this code at ``version``, optionally with a migration that fails."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    init = target / "screen_server/__init__.py"
    init.write_text(init.read_text("utf-8").replace('__version__ = "0.1.0"', f'__version__ = "{version}"'), "utf-8")
    if broken:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(ROOT / "screen_server/migrations"))
        (head,) = ScriptDirectory.from_config(cfg).get_heads()
        (target / "screen_server/migrations/versions/9999_zz_broken.py").write_text(
            FAILING_MIGRATION.format(head=head), "utf-8")
    return target


@pytest.fixture
def room(tmp_path: Path) -> Any:
    """An installed room (version 0.1.0) with data, under a throwaway root, and how to run update.sh."""
    root = tmp_path / "root"
    venv, data = root / "opt/activity-room/venv", root / "var/lib/activity-room"
    (venv / "bin").mkdir(parents=True)
    _build(venv / "site", "0.1.0")
    for name, module in (("python", ""), ("activity-room", "-m screen_server.cli ")):
        script = venv / "bin" / name
        script.write_text(f'#!/bin/sh\nPYTHONPATH="{venv}/site" exec {sys.executable} {module}"$@"\n')
        script.chmod(0o755)
    # pip install SRC: copy the build's packages into the venv (what a real pip does, minus the network).
    (venv / "bin/pip").write_text(
        '#!/bin/sh\nfor last; do :; done\nfor p in ' + " ".join(PACKAGES) + '; do\n'
        f'  rm -rf "{venv}/site/$p" && cp -r "$last/$p" "{venv}/site/$p" || exit 1\ndone\n')
    (venv / "bin/pip").chmod(0o755)
    port, ws_port = free_port(), free_port()
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    pidfile = tmp_path / "server.pid"
    bodies = {
        "id": "echo 0",
        "chown": "exit 0",
        "runuser": 'shift 3; exec "$@"',  # runuser -u activity-room -- CMD...
        # systemctl start|stop activity-room.service: a real server on the test's ports.
        "systemctl": (
            f'case "$1" in\n'
            f'  start) setsid "{venv}/bin/activity-room" serve --data "{data}" --host 127.0.0.1 --port {port} '
            f'--ws-port {ws_port} >>"{tmp_path}/server.log" 2>&1 & echo $! > "{pidfile}" ;;\n'
            f'  stop) if [ -s "{pidfile}" ]; then kill "$(cat "{pidfile}")" 2>/dev/null; '
            f'while kill -0 "$(cat "{pidfile}")" 2>/dev/null; do sleep 0.2; done; rm -f "{pidfile}"; fi ;;\n'
            f'esac\n'),
    }
    for name, body in bodies.items():
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
        (stubs / name).chmod(0o755)
    env = {"PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin", "DESTDIR": str(root), "LANG": "C.UTF-8",
           "ACTIVITY_ROOM_URL": f"http://127.0.0.1:{port}", "HEALTH_TIMEOUT": "90",
           "ACTIVITY_ROOM_SECRET_KEY": "update-test-key"}
    # From the throwaway root: ``python -m`` puts the working directory first on sys.path.
    setup = subprocess.run([str(venv / "bin/activity-room"), "migrate", "--data", str(data)], env=env,
                           capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert setup.returncode == 0, setup.stderr
    db = sqlite3.connect(data / "activity-room.sqlite3")
    db.execute("INSERT INTO rooms (name, slug, location, created_at) VALUES ('二楼党员之家', 'floor2', '', "
               "'2026-12-01 00:00:00')")
    db.commit()
    db.close()

    def update(source: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(DEPLOY / "update.sh"), str(source)], env=env, capture_output=True,
                              text=True, timeout=600, check=False, cwd=tmp_path)

    class Room:
        pass

    r = Room()
    r.root, r.venv, r.data, r.url, r.update, r.env = root, venv, data, f"http://127.0.0.1:{port}", update, env
    yield r
    subprocess.run([str(stubs / "systemctl"), "stop"], env=env, check=False, timeout=60, cwd=tmp_path)


def _revision(data: Path) -> str:
    db = sqlite3.connect(data / "activity-room.sqlite3")
    try:
        return str(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        db.close()


def test_an_update_whose_migration_fails_rolls_back_to_the_previous_version(room: Any, tmp_path: Path) -> None:
    before = _revision(room.data)
    done = room.update(_build(tmp_path / "broken-build", "0.2.0", broken=True))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "数据库升级（migrate）失败" in done.stderr and "已回退到原来的版本 0.1.0" in done.stderr
    health = requests.get(f"{room.url}/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["version"] == "0.1.0"
    assert _revision(room.data) == before
    db = sqlite3.connect(room.data / "activity-room.sqlite3")
    assert db.execute("SELECT name FROM rooms").fetchall() == [("二楼党员之家",)]
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    backups = list((room.root / "var/backups/activity-room").glob("activity-room-pre-update-*.tar.gz"))
    assert len(backups) == 1
    assert not (room.venv.parent / "venv.previous").exists()  # moved back into place
    assert list(room.data.glob("activity-room.sqlite3.failed-update-*"))  # kept for a post-mortem


def test_a_good_update_migrates_and_serves_the_new_version(room: Any, tmp_path: Path) -> None:
    done = room.update(_build(tmp_path / "good-build", "0.2.0"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "updated from 0.1.0 to 0.2.0" in done.stdout
    health = requests.get(f"{room.url}/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["version"] == "0.2.0"
    assert not (room.venv.parent / "venv.previous").exists()


def test_update_script_passes_shellcheck() -> None:
    script = DEPLOY / "update.sh"
    assert script.stat().st_mode & 0o111, "update.sh must be executable"
    found = subprocess.run(["shellcheck", "--severity=style", str(script)], capture_output=True, text=True,
                           check=False)
    assert found.returncode == 0, found.stdout
    assert os.access(script, os.X_OK)
