#!/usr/bin/env bash
# Install or upgrade Activity Room (智慧党员活动室) on Debian 12, as root, from a checkout. Idempotent:
# run it again after `git pull` to upgrade (database migrations apply when the server restarts).
#
#   deploy/install.sh                      the room server, as the systemd service activity-room
#   deploy/install.sh --with-kiosk         also a kiosk on this machine's screen (X on tty1)
#       [--kiosk-mode terminal|wall]       first install only: written to /etc/activity-room/kiosk.env
#       [--kiosk-server http://HOST:8000]  first install only: the server the kiosk connects to
#   deploy/install.sh --kiosk-only ...     only the kiosk (the server runs on another machine)
#
# Existing settings (config.toml, server.env, kiosk.env) are never overwritten.
# DESTDIR (environment) installs under another root; the tests use it, people need not.
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

WITH_SERVER=1
WITH_KIOSK=0
KIOSK_MODE=terminal
KIOSK_SERVER=http://127.0.0.1:8000
while [ "$#" -gt 0 ]; do
  case "$1" in
    --with-kiosk) WITH_KIOSK=1 ;;
    --kiosk-only) WITH_KIOSK=1; WITH_SERVER=0 ;;
    --kiosk-mode) KIOSK_MODE=${2:?--kiosk-mode needs terminal or wall}; shift ;;
    --kiosk-server) KIOSK_SERVER=${2:?--kiosk-server needs a URL}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$KIOSK_MODE" in
  terminal|wall) ;;
  *) echo "--kiosk-mode must be terminal or wall" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (sudo $0)" >&2
  exit 1
fi

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${DESTDIR:-}
PREFIX=$ROOT/opt/activity-room
VENV=$PREFIX/venv
DATA=$ROOT/var/lib/activity-room
BACKUPS=$ROOT/var/backups/activity-room
ETC=$ROOT/etc/activity-room
UNITS=$ROOT/etc/systemd/system
SERVER_USER=activity-room
KIOSK_USER=activity-kiosk

log() { printf '==> %s\n' "$*"; }

# --- packages -------------------------------------------------------------------------------------
packages=(python3 python3-venv ca-certificates curl)
[ "$WITH_SERVER" -eq 0 ] || packages+=(sqlite3)
# Kivy's wheel brings SDL2; the screen needs an X server, Mesa, and mtdev for touch panels.
[ "$WITH_KIOSK" -eq 0 ] || packages+=(xserver-xorg xinit libgl1-mesa-dri libegl1 libmtdev1 espeak-ng)
log "apt packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"

# --- the program ----------------------------------------------------------------------------------
log "virtual environment $VENV"
install -d -m 0755 "$PREFIX"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "$SRC"
# Same version number, new code: replace the package itself (dependencies were handled above).
"$VENV/bin/pip" install -q --no-deps --force-reinstall "$SRC"

install -d -m 0755 "$ETC"

# --- the server -----------------------------------------------------------------------------------
if [ "$WITH_SERVER" -eq 1 ]; then
  if ! id -u "$SERVER_USER" >/dev/null 2>&1; then
    log "system user $SERVER_USER"
    useradd --system --user-group --home-dir /var/lib/activity-room --no-create-home \
      --shell /usr/sbin/nologin "$SERVER_USER"
  fi
  # The data directory holds the database, the secret key and members' data: its owner only.
  install -d -m 0700 "$DATA"
  chown "$SERVER_USER:$SERVER_USER" "$DATA"
  chmod 0700 "$DATA"
  if [ ! -e "$DATA/config.toml" ]; then
    install -m 0600 "$SRC/deploy/config.example.toml" "$DATA/config.toml"
    chown "$SERVER_USER:$SERVER_USER" "$DATA/config.toml"
  fi
  if [ ! -e "$ETC/server.env" ]; then
    cat > "$ETC/server.env" <<'EOF'
# Environment of the activity-room service; wins over /var/lib/activity-room/config.toml.
# DATABASE_URL=postgresql+psycopg://activity:PASSWORD@127.0.0.1/activity_room
# REDIS_URL=redis://127.0.0.1:6379/0
# ACTIVITY_ROOM_SECRET_KEY=the-same-long-random-string-on-every-server-process
# ACTIVITY_ROOM_PUBLIC_URL=http://192.168.1.10:8000
EOF
    chmod 0640 "$ETC/server.env"
    chown "root:$SERVER_USER" "$ETC/server.env"
  fi
  # Nightly backups (activity-room-backup.timer), 14 days kept: as private as the data itself.
  install -d -m 0700 "$BACKUPS"
  chown "$SERVER_USER:$SERVER_USER" "$BACKUPS"
  install -d -m 0755 "$UNITS"
  for unit in activity-room.service activity-room-backup.service activity-room-backup.timer; do
    install -m 0644 "$SRC/deploy/systemd/$unit" "$UNITS/$unit"
  done
fi

# --- the kiosk ------------------------------------------------------------------------------------
if [ "$WITH_KIOSK" -eq 1 ]; then
  if ! id -u "$KIOSK_USER" >/dev/null 2>&1; then
    log "user $KIOSK_USER"
    useradd --create-home --user-group --shell /usr/sbin/nologin "$KIOSK_USER"
  fi
  for group in video input render audio; do
    if getent group "$group" >/dev/null; then usermod -a -G "$group" "$KIOSK_USER"; fi
  done
  if [ ! -e "$ETC/kiosk.env" ]; then
    cat > "$ETC/kiosk.env" <<EOF
# The kiosk on this machine's screen (activity-room-kiosk.service). Restart it after a change.
# SERVER: the room server's HTTP address. MODE: terminal (触摸终端) or wall (大屏).
SERVER=$KIOSK_SERVER
MODE=$KIOSK_MODE
# More options, e.g.: --size 1920x1080 --name 一楼大屏 --idle-seconds 180 --lang en
KIOSK_ARGS=
# Sound for videos and read-aloud (朗读, voice: espeak-ng): without a sound card (/dev/snd) the kiosk
# plays into nothing; to choose SDL's audio driver:
# SDL_AUDIODRIVER=alsa
EOF
    chmod 0644 "$ETC/kiosk.env"
  fi
  install -d -m 0755 "$UNITS"
  for unit in activity-room-kiosk.service activity-room-kiosk-fallback.service; do
    install -m 0644 "$SRC/deploy/systemd/$unit" "$UNITS/$unit"
  done
fi

# --- start ----------------------------------------------------------------------------------------
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$WITH_SERVER" -eq 1 ]; then
    systemctl enable activity-room.service
    systemctl restart activity-room.service  # a re-run is an upgrade: load the new code
    systemctl enable --now activity-room-backup.timer
  fi
  if [ "$WITH_KIOSK" -eq 1 ]; then
    systemctl set-default graphical.target
    systemctl enable activity-room-kiosk.service
    systemctl restart activity-room-kiosk.service
  fi
else
  log "systemd is not running here: start the units yourself (see docs/operations.md)"
fi

if [ "$WITH_SERVER" -eq 1 ]; then
  address=$(hostname -I 2>/dev/null | awk '{print $1}')
  log "installed. Admin: http://${address:-SERVER}:8000/admin/"
  log "create the first admin: open the one-time setup link the server logged on its first start,"
  echo "    journalctl -u activity-room | grep admin/setup"
  log "or on the command line:"
  echo "    runuser -u $SERVER_USER -- $VENV/bin/activity-room create-user admin --role admin --data /var/lib/activity-room"
fi
