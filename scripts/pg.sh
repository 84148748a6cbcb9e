#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the tests (never the system's server).
#
#   scripts/pg.sh start [DIR]   initdb in DIR (default: a new temporary folder), start the server
#                               on 127.0.0.1 with `pg_ctl -w start`; prints DIR. DIR/url holds a
#                               SQLAlchemy URL of the server's `postgres` database (superuser,
#                               random password).
#   scripts/pg.sh stop DIR      stop that server and delete DIR (only a folder this script made).
#
# As root it runs the server as the `postgres` account (initdb refuses root). The cluster trades
# durability for speed (fsync off): it is for tests only.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  die "PostgreSQL server programs (initdb, pg_ctl) not found: install Debian's postgresql"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

made=""
cleanup_failed_start() {
  # A failed start leaves nothing behind (a server that did start is stopped first).
  if [ -n "$made" ] && [ ! -f "$made/url" ]; then stop "$made" >/dev/null 2>&1 || rm -rf "$made"; fi
}

start() {
  local dir=${1:-} bin port password attempt
  bin=$(bindir)
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root needs the 'postgres' account (Debian's postgresql package creates it)"
  fi
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/mild-desk-pg.XXXXXX")
    made=$dir
    trap cleanup_failed_start EXIT
  else
    mkdir -p "$dir"
  fi
  touch "$dir/.mild-desk-pg"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 -E UTF8 --no-locale --no-sync --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/pwfile"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start -o \
      "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' \
       -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
      printf 'postgresql+psycopg://postgres:%s@127.0.0.1:%s/postgres\n' "$password" "$port" \
        >"$dir/url"
      chmod 600 "$dir/url"
      echo "$dir"
      return
    fi
    echo "pg.sh: start on port $port failed (attempt $attempt)" >&2
  done
  tail -n 20 "$dir/server.log" >&2 || true
  die "could not start PostgreSQL (the end of its log is above)"
}

stop() {
  local dir=${1:?usage: pg.sh stop DIR} bin
  [ -f "$dir/.mild-desk-pg" ] || die "$dir is not a cluster made by pg.sh"
  bin=$(bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1 \
      || as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
