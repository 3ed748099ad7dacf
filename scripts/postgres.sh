#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, kept in DIR.
#   scripts/postgres.sh start DIR        start it (a fresh cluster; prints its URL)
#   scripts/postgres.sh newdb DIR NAME   create database NAME; prints its URL
#   scripts/postgres.sh stop DIR         stop it
# URLs look like postgres://stepwell@127.0.0.1:PORT/NAME (trust auth, loopback).
# Installs Debian's postgresql package when no server binaries are found.
# As root, the server runs as the `postgres` user (PostgreSQL refuses root).
set -euo pipefail
cmd="${1:?start or stop}"
dir="$(mkdir -p "${2:?a directory}" && cd "$2" && pwd)"

find_bin() {
  for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  echo "postgres.sh: installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) >&2
  bin="$(find_bin)"
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "$cmd" = stop ]; then
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  exit 0
fi
if [ "$cmd" = newdb ]; then
  name="${3:?a database name}"
  port="$(cat "$dir/port")"
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U stepwell "$name"
  echo "postgres://stepwell@127.0.0.1:$port/$name"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
fi
rm -rf "$dir/data"
as_owner "$bin/initdb" -D "$dir/data" -U stepwell --auth=trust -E UTF8 >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "$port" > "$dir/port"
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U stepwell stepwell
echo "postgres://stepwell@127.0.0.1:$port/stepwell"
