#!/bin/sh
# Serves the built site and checks it over HTTP, as a user would see it.
set -eu
root=$1
httpd -p 127.0.0.1:8081 -h "$root"
fetch() { printf 'GET %s HTTP/1.0\r\nHost: test\r\n\r\n' "$1" | nc 127.0.0.1 8081; }
fail() { echo "FAIL: $1"; exit 1; }
sleep 0.2
fetch / | grep -q '200 OK' || fail "GET / is not 200"
fetch / | grep -q '<h1>Hello from calma</h1>' || fail "GET / lacks the heading"
fetch /up | grep -q '^ok' || fail "GET /up is not ok"
[ "$(sha256sum "$root/index.html" | cut -d' ' -f1)" = "$(cat "$root/index.sha256")" ] || fail "checksum mismatch"
echo "3 checks passed"
