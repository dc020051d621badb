#!/bin/sh
# Make a room-local certificate authority and a server certificate signed by it, for nginx's HTTPS
# when the enterprise has no certificate of its own to give (docs/operations.md, "HTTPS").
#
#   deploy/make-room-ca.sh [--out DIR] NAME_OR_IP [NAME_OR_IP ...]
#   e.g. deploy/make-room-ca.sh --out /etc/activity-room/tls room.example.cn 192.168.1.20
#
# Writes into DIR (default /etc/activity-room/tls):
#   ca.crt      the room's CA: install and trust it on the phones, tablets and screens (once)
#   ca.key      the CA's private key (0600): keep it offline after this; it signs future certificates
#   server.crt  the server certificate for nginx (every name and address given, as subjectAltName)
#   server.key  its private key (0600)
# An existing CA in DIR is reused, so a new server certificate (a new address) needs no new trust on phones.
set -eu

out=/etc/activity-room/tls
if [ "${1:-}" = "--out" ]; then out=$2; shift 2; fi
if [ $# -lt 1 ]; then
    echo "用法：$0 [--out 目录] 服务器域名或IP [更多域名或IP ...]" >&2
    exit 2
fi
command -v openssl >/dev/null || { echo "需要 openssl（apt-get install openssl）。" >&2; exit 1; }
mkdir -p "$out"
umask 077

san=""
for name in "$@"; do
    case "$name" in
        *[!0-9.]*|"") case "$name" in *:*) entry="IP:$name" ;; *) entry="DNS:$name" ;; esac ;;
        *) entry="IP:$name" ;;
    esac
    san="${san:+$san,}$entry"
done

if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.crt" ]; then
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes \
        -keyout "$out/ca.key" -out "$out/ca.crt" \
        -subj "/O=Activity Room/CN=智慧党员活动室 本地根证书 $(date +%Y%m%d)" -utf8 \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

openssl req -newkey rsa:2048 -sha256 -nodes -keyout "$out/server.key" -out "$out/server.csr" \
    -subj "/O=Activity Room/CN=$1" 2>/dev/null
cat > "$out/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
# 825 days: the longest validity Apple's devices accept for a certificate from a private CA.
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$out/server.ext" -out "$out/server.crt" 2>/dev/null
rm -f "$out/server.csr" "$out/server.ext"
chmod 600 "$out/ca.key" "$out/server.key"
chmod 644 "$out/ca.crt" "$out/server.crt"
echo "已生成：$out/server.crt（$san），由 $out/ca.crt 签发。"
echo "请把 $out/ca.crt 安装到手机和终端并设为信任（见 docs/operations.md 的 HTTPS 一节）。"
