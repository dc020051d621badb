#!/usr/bin/env bash
# Update the room server (智慧党员活动室) to a new version, as root, and roll back when it fails:
#
#   deploy/update.sh [SOURCE]      SOURCE: a checkout, sdist or wheel (default: this checkout)
#
#   1. back up (activity-room backup → /var/backups/activity-room/activity-room-pre-update-*.tar.gz)
#   2. keep the current program (/opt/activity-room/venv → venv.previous)
#   3. stop the service, install SOURCE, migrate the database (activity-room migrate)
#   4. start the service, wait for /healthz, run doctor (service, database, migrations)
#   5. any step of 3–4 failing: stop, put the previous program back, put the database back from the
#      backup of step 1 (SQLite; for PostgreSQL the command is printed), start, check /healthz.
# Exit 0: updated. Exit 1: rolled back to the previous version (or, exit 3, the rollback failed too).
# Terminals are updated with install.sh --kiosk-only on their own machines.
#
# Environment (for tests; people need none): DESTDIR (another root), ACTIVITY_ROOM_URL (default
# http://127.0.0.1:8000), HEALTH_TIMEOUT (seconds to wait for /healthz, default 120).
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (sudo $0)" >&2
  exit 1
fi

SRC=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ROOT=${DESTDIR:-}
PREFIX=$ROOT/opt/activity-room
VENV=$PREFIX/venv
PREVIOUS=$PREFIX/venv.previous
DATA=$ROOT/var/lib/activity-room
BACKUPS=$ROOT/var/backups/activity-room
SERVER_USER=activity-room
URL=${ACTIVITY_ROOM_URL:-http://127.0.0.1:8000}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}
STAMP=$(date -u +%Y%m%d-%H%M%S)
APP=$VENV/bin/activity-room

log() { printf '==> %s\n' "$*"; }
as_server() { runuser -u "$SERVER_USER" -- "$@"; }
[ -e "$SRC" ] || { echo "没有找到要安装的新版本：$SRC" >&2; exit 2; }
[ -x "$APP" ] || { echo "没有找到已安装的活动室（$APP）：请先运行 deploy/install.sh" >&2; exit 2; }
# The server's environment (DATABASE_URL, ...) for the commands run here.
if [ -r "$ROOT/etc/activity-room/server.env" ]; then
  set -a
  # shellcheck disable=SC1091
  . "$ROOT/etc/activity-room/server.env"
  set +a
fi

healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS --max-time 5 "$URL/healthz" 2>/dev/null | grep -q '"status": *"ok"'; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# --- 1. backup, 2. keep the program ---------------------------------------------------------------
install -d -m 0700 "$BACKUPS"
chown "$SERVER_USER:$SERVER_USER" "$BACKUPS"
log "backup before the update"
as_server "$APP" backup --data "$DATA" --out "$BACKUPS/activity-room-pre-update-$STAMP"
BACKUP=$BACKUPS/activity-room-pre-update-$STAMP.tar.gz
OLD_VERSION=$("$VENV/bin/python" -c 'import screen_server; print(screen_server.__version__)' 2>/dev/null || echo "?")
log "keep the current program ($OLD_VERSION) as $PREVIOUS"
rm -rf "$PREVIOUS"
cp -a "$VENV" "$PREVIOUS"

rollback() {
  log "update failed: rolling back to $OLD_VERSION"
  systemctl stop activity-room.service || true
  rm -rf "$VENV"
  mv "$PREVIOUS" "$VENV"
  if [ -z "${DATABASE_URL:-}" ]; then
    local restored=$DATA.rollback-$STAMP
    rm -rf "$restored"
    if ! "$APP" restore "$BACKUP" --data "$restored"; then
      echo "无法从备份 $BACKUP 恢复数据库；数据库保持更新失败时的状态。" >&2
      return 1
    fi
    mv "$DATA/activity-room.sqlite3" "$DATA/activity-room.sqlite3.failed-update-$STAMP"
    rm -f "$DATA/activity-room.sqlite3-wal" "$DATA/activity-room.sqlite3-shm"
    mv "$restored/activity-room.sqlite3" "$DATA/activity-room.sqlite3"
    chown "$SERVER_USER:$SERVER_USER" "$DATA/activity-room.sqlite3"
    rm -rf "$restored"
  else
    echo "PostgreSQL：程序已回退。如数据库已被部分升级，请用备份恢复：" >&2
    echo "  tar -xzf $BACKUP database.pgdump && pg_restore --clean --if-exists --no-owner -d \"\$DATABASE_URL\" database.pgdump" >&2
  fi
  systemctl start activity-room.service
  if healthy; then
    log "rolled back: the room runs $OLD_VERSION again ($URL/healthz answers)"
    return 0
  fi
  return 1
}

fail() {
  echo "升级失败：$*" >&2
  if rollback; then
    echo "已回退到原来的版本 $OLD_VERSION，数据已恢复到升级前的备份。" >&2
    exit 1
  fi
  echo "回退也失败了：请查看 journalctl -u activity-room，并用 activity-room restore $BACKUP 手动恢复。" >&2
  exit 3
}

# --- 3. stop, install, migrate ---------------------------------------------------------------------
log "stop the service"
systemctl stop activity-room.service
log "install $SRC"
"$VENV/bin/pip" install -q "$SRC" || fail "安装新版本失败"
"$VENV/bin/pip" install -q --no-deps --force-reinstall "$SRC" || fail "安装新版本失败"
log "migrate the database"
as_server "$APP" migrate --data "$DATA" || fail "数据库升级（migrate）失败"

# --- 4. start and check ----------------------------------------------------------------------------
log "start the service"
systemctl start activity-room.service || fail "服务无法启动"
healthy || fail "服务启动后 $HEALTH_TIMEOUT 秒内 $URL/healthz 没有正常响应"
as_server "$APP" doctor --data "$DATA" --url "$URL" --only service,database,migrations \
  || fail "doctor 检查未通过"
NEW_VERSION=$("$VENV/bin/python" -c 'import screen_server; print(screen_server.__version__)' 2>/dev/null || echo "?")
rm -rf "$PREVIOUS"
log "updated from $OLD_VERSION to $NEW_VERSION; the backup before the update: $BACKUP"
