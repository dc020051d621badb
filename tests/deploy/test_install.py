"""deploy/install.sh, run for real under DESTDIR with the system-changing commands (apt-get, useradd,
chown, python3 -m venv, pip, systemctl) replaced by stubs that record their arguments: what it
writes, with which modes, and that a second run changes nothing a person has edited."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.files import DEPLOY, ROOT

Installer = Callable[..., tuple[int, str, Path, list[str]]]
STUBS = {
    # id -u → 0 (root); id -u USER → known once useradd made it.
    "id": 'if [ "$#" -eq 1 ]; then echo 0; exit 0; fi; [ -e "$STUB_DIR/user-$2" ]',
    "useradd": 'echo "useradd $*" >> "$STUB_LOG"; for last; do :; done; touch "$STUB_DIR/user-$last"',
    "python3": 'echo "python3 $*" >> "$STUB_LOG"; mkdir -p "$3/bin"; for p in python pip; do\n'
    '  printf \'#!/bin/sh\\necho "%s $*" >> "$STUB_LOG"\\n\' "$p" > "$3/bin/$p"; chmod +x "$3/bin/$p"; done',
    "getent": "exit 0",
    "hostname": "echo 192.0.2.10",
}
for _name in ("apt-get", "usermod", "chown", "systemctl"):
    STUBS[_name] = f'echo "{_name} $*" >> "$STUB_LOG"'


@pytest.fixture
def installer(tmp_path: Path) -> Installer:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, body in STUBS.items():
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
        (stubs / name).chmod(0o755)
    root, log = tmp_path / "root", tmp_path / "calls.log"
    env = {
        "PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin",
        "DESTDIR": str(root),
        "STUB_DIR": str(stubs),
        "STUB_LOG": str(log),
        "LANG": "C.UTF-8",
    }

    def run(*args: str) -> tuple[int, str, Path, list[str]]:
        log.write_text("")
        done = subprocess.run(
            ["bash", str(DEPLOY / "install.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.returncode, done.stdout + done.stderr, root, log.read_text().splitlines()

    return run


def test_first_install_lays_out_the_server(installer: Installer) -> None:
    code, output, root, calls = installer()
    assert code == 0, output
    data = root / "var/lib/activity-room"
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "config.toml").read_bytes() == (DEPLOY / "config.example.toml").read_bytes()
    assert (data / "config.toml").stat().st_mode & 0o777 == 0o600
    unit = root / "etc/systemd/system/activity-room.service"
    assert unit.read_bytes() == (DEPLOY / "systemd/activity-room.service").read_bytes()
    assert (root / "etc/activity-room/server.env").stat().st_mode & 0o777 == 0o640
    for name in ("activity-room-backup.service", "activity-room-backup.timer"):
        assert (root / "etc/systemd/system" / name).read_bytes() == (DEPLOY / "systemd" / name).read_bytes()
    backups = root / "var/backups/activity-room"
    assert backups.stat().st_mode & 0o777 == 0o700
    assert f"chown activity-room:activity-room {backups}" in calls
    assert not (root / "etc/systemd/system/activity-room-kiosk.service").exists()
    apt = next(c for c in calls if c.startswith("apt-get install"))
    assert "python3-venv" in apt and "sqlite3" in apt and "xinit" not in apt
    assert any(c.startswith("useradd --system") and c.endswith(" activity-room") for c in calls)
    assert f"chown activity-room:activity-room {data}" in calls
    assert f"python3 -m venv {root}/opt/activity-room/venv" in calls
    assert f"pip install -q {ROOT}" in calls and f"pip install -q --no-deps --force-reinstall {ROOT}" in calls
    assert not [c for c in calls if c.startswith("systemctl")]  # DESTDIR: nothing started
    assert "create-user admin --role admin --data /var/lib/activity-room" in output


def test_running_again_keeps_what_people_edited(installer: Installer) -> None:
    assert installer()[0] == 0
    _code, _output, root, _calls = installer()
    config = root / "var/lib/activity-room/config.toml"
    config.write_text('room_name = "二楼党员之家"\n', "utf-8")
    (root / "etc/activity-room/server.env").write_text("REDIS_URL=redis://10.0.0.5/0\n")
    code, output, _root, calls = installer()
    assert code == 0, output
    assert config.read_text("utf-8") == 'room_name = "二楼党员之家"\n'
    assert (root / "etc/activity-room/server.env").read_text() == "REDIS_URL=redis://10.0.0.5/0\n"
    assert not [c for c in calls if c.startswith(("useradd", "python3 -m venv"))]  # user and venv reused
    assert f"pip install -q --no-deps --force-reinstall {ROOT}" in calls  # the new code is installed


def test_kiosk_install_writes_its_env_file_once(installer: Installer) -> None:
    code, output, root, calls = installer(
        "--kiosk-only", "--kiosk-mode", "wall", "--kiosk-server", "http://192.168.1.10:8000"
    )
    assert code == 0, output
    env = (root / "etc/activity-room/kiosk.env").read_text("utf-8")
    assert "SERVER=http://192.168.1.10:8000\n" in env and "MODE=wall\n" in env and "KIOSK_ARGS=\n" in env
    unit = root / "etc/systemd/system/activity-room-kiosk.service"
    assert unit.read_bytes() == (DEPLOY / "systemd/activity-room-kiosk.service").read_bytes()
    fallback = root / "etc/systemd/system/activity-room-kiosk-fallback.service"
    assert fallback.read_bytes() == (DEPLOY / "systemd/activity-room-kiosk-fallback.service").read_bytes()
    assert not (root / "etc/systemd/system/activity-room-backup.timer").exists()
    assert not (root / "etc/systemd/system/activity-room.service").exists()  # --kiosk-only
    apt = next(c for c in calls if c.startswith("apt-get install"))
    for package in ("xserver-xorg", "xinit", "libgl1-mesa-dri", "libmtdev1"):
        assert package in apt.split()
    assert any(c.startswith("useradd --create-home") and c.endswith(" activity-kiosk") for c in calls)
    assert "usermod -a -G video activity-kiosk" in calls
    assert installer("--with-kiosk", "--kiosk-mode", "terminal")[0] == 0
    assert "MODE=wall\n" in (root / "etc/activity-room/kiosk.env").read_text("utf-8")  # kept


@pytest.mark.parametrize("args", [("--bogus",), ("--with-kiosk", "--kiosk-mode", "tv")])
def test_bad_options_are_refused_before_anything_happens(installer: Installer, args: tuple[str, ...]) -> None:
    code, output, root, calls = installer(*args)
    assert code == 2 and output
    assert calls == [] and not root.exists()


def test_refuses_to_run_as_another_user(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        stubs = tmp_path / "stubs"
        stubs.mkdir()
        (stubs / "id").write_text("#!/bin/sh\necho 1000\n")
        (stubs / "id").chmod(0o755)
        path = f"{stubs}:/usr/bin:/bin"
    else:
        path = os.environ["PATH"]
    done = subprocess.run(
        ["bash", str(DEPLOY / "install.sh")],
        env={"PATH": path, "DESTDIR": str(tmp_path / "r")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1 and "root" in done.stderr
    assert not (tmp_path / "r").exists()
