#!/bin/sh
# A throwaway PostgreSQL server for the store's tests (Debian's package; see tools/sysdeps.sh).
#   sh tools/postgres.sh start        initdb into a fresh folder under /tmp, listen on 127.0.0.1 on a free port,
#                                     trust authentication, create the database geo_test; prints two lines
#                                     to eval:  GEO_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/geo_test
#                                               GEO_TEST_POSTGRES_DIR=/tmp/geo-pg.XXXXXX
#   sh tools/postgres.sh stop DIR     stop that server and delete its folder
# initdb refuses to run as root: as root the server runs as the `postgres` user (made by Debian's package).
set -eu

pg_bin() {
  for d in "${PG_BIN:-}" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  echo "postgres.sh: no PostgreSQL server binaries (install Debian's postgresql package: sh tools/sysdeps.sh)" >&2
  return 1
}

as_owner() {  # run "$@" as the server's owner: the postgres user when root, else ourselves
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$*"; fi
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/geo-pg.XXXXXX)
  chmod 700 "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: running as root needs the postgres user (Debian's postgresql package makes it)" >&2; rm -rf "$dir"; return 1; }
    chown postgres "$dir"
  fi
  port=$(free_port)
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; rm -rf "$dir"; return 1; }
  as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE geo_test" >/dev/null
  echo "GEO_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/geo_test"
  echo "GEO_TEST_POSTGRES_DIR=$dir"
}

stop() {
  dir=${1:?usage: postgres.sh stop DIR}
  case "$dir" in /tmp/geo-pg.*) ;; *) echo "postgres.sh: not a folder made by postgres.sh start: $dir" >&2; return 1 ;; esac
  if [ -d "$dir/data" ]; then
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: sh tools/postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
