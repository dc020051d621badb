#!/usr/bin/env bash
# Install the room server on Debian 12 (run as root from a checkout of the repository). Idempotent.
#   deploy/install.sh               the server, as a systemd service on :8000 / :8765
#   deploy/install.sh --with-kiosk  also the kiosk on this machine's screen (an all-in-one terminal)
set -euo pipefail

WITH_KIOSK=0
for arg in "$@"; do
  case "$arg" in
    --with-kiosk) WITH_KIOSK=1 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/activity-room
DATA=/var/lib/activity-room

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip ca-certificates
if [ "$WITH_KIOSK" -eq 1 ]; then
  apt-get install -y -qq --no-install-recommends xserver-xorg xinit libgl1-mesa-dri libegl1 libmtdev1 \
    fonts-noto-cjk pulseaudio
fi

id activity-room >/dev/null 2>&1 || useradd --system --home-dir "$DATA" --shell /usr/sbin/nologin activity-room
install -d -m 0700 -o activity-room -g activity-room "$DATA"
install -d -m 0755 /etc/activity-room

python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q --upgrade pip
"$PREFIX/venv/bin/pip" install -q "$SRC"

install -m 0644 "$SRC/deploy/systemd/activity-room.service" /etc/systemd/system/activity-room.service
[ -f /etc/activity-room/server.env ] || printf '# DATABASE_URL=\n# REDIS_URL=\n' > /etc/activity-room/server.env
[ -f "$DATA/config.toml" ] || install -m 0600 -o activity-room -g activity-room \
  "$SRC/deploy/config.example.toml" "$DATA/config.toml"

if [ "$WITH_KIOSK" -eq 1 ]; then
  id activity-kiosk >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin activity-kiosk
  usermod -a -G video,input,audio activity-kiosk
  [ -f /etc/activity-room/kiosk.env ] || printf 'SERVER=http://127.0.0.1:8000\nMODE=terminal\nSIZE=1920x1080\n' \
    > /etc/activity-room/kiosk.env
  install -m 0644 "$SRC/deploy/systemd/activity-room-kiosk.service" /etc/systemd/system/activity-room-kiosk.service
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now activity-room.service
  [ "$WITH_KIOSK" -eq 0 ] || systemctl enable --now activity-room-kiosk.service
fi
echo "installed: http://$(hostname -I 2>/dev/null | awk '{print $1}'):8000/admin/"
echo "create the first admin: sudo -u activity-room $PREFIX/venv/bin/activity-room create-user admin --role admin --data $DATA"
