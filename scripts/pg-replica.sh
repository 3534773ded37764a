#!/usr/bin/env bash
# A local PostgreSQL primary and its streaming replica, made with this machine's own PostgreSQL binaries
# (initdb, pg_basebackup, pg_ctl), for trying the replica router (mardom/core/replica.py, docs/scaling.md)
# and for the test that proves it (mardom/core/tests/test_replica_pair.py). Scratch clusters: fsync off,
# trust on loopback, everything under one directory that `destroy` removes. It never touches the machine's
# own cluster at 5432.
#
#   scripts/pg-replica.sh start            initdb (first time), start the primary, clone and start the replica
#   scripts/pg-replica.sh stop-replica     stop only the replica (the app must keep serving)
#   scripts/pg-replica.sh start-replica    start it again; it catches up from the primary
#   scripts/pg-replica.sh stop | destroy   stop both | stop both and delete their files
#   scripts/pg-replica.sh status | urls    what runs | DATABASE_URL and DATABASE_REPLICA_URL to export
#
# Ports: MARDOM_PG_PRIMARY_PORT (55432) and MARDOM_PG_REPLICA_PORT (55433); files: MARDOM_PG_PAIR_DIR.
set -euo pipefail

DIR="${MARDOM_PG_PAIR_DIR:-/tmp/mardom-pg-pair}"
PRIMARY_PORT="${MARDOM_PG_PRIMARY_PORT:-55432}"
REPLICA_PORT="${MARDOM_PG_REPLICA_PORT:-55433}"
DB="${MARDOM_PG_PAIR_DB:-mardom}"

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] || { echo "PostgreSQL's server binaries (initdb) not found" >&2; exit 3; }
  echo "$found"
}
BIN="$(bindir)"

# PostgreSQL refuses to run as root: as root, run its binaries as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { as_pg "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start_cluster() {  # data dir, port
  running "$1" && return 0
  as_pg "$BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 60 -o "-p $2 -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
}

stop_cluster() {
  running "$1" || return 0
  as_pg "$BIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null
}

psql_at() {  # port, sql
  as_pg psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -XAtqc "$2"
}

start() {
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  if [ ! -f "$DIR/primary/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$DIR/primary/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  start_cluster "$DIR/primary" "$PRIMARY_PORT"
  if [ -z "$(psql_at "$PRIMARY_PORT" "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
    psql_at "$PRIMARY_PORT" "CREATE DATABASE $DB" >/dev/null
  fi
  if [ ! -f "$DIR/replica/PG_VERSION" ]; then
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/replica" -R -X stream -c fast
  fi
  start_cluster "$DIR/replica" "$REPLICA_PORT"
  for _ in $(seq 1 60); do
    [ "$(psql_at "$REPLICA_PORT" "SELECT pg_is_in_recovery()" 2>/dev/null || true)" = t ] && break
    sleep 0.5
  done
  [ "$(psql_at "$REPLICA_PORT" "SELECT pg_is_in_recovery()")" = t ] || { echo "the replica is not in recovery" >&2; exit 1; }
  urls
}

urls() {
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
  echo "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB"
}

status() {
  for node in primary replica; do
    if running "$DIR/$node"; then echo "$node: running"; else echo "$node: stopped"; fi
  done
  if running "$DIR/primary"; then
    psql_at "$PRIMARY_PORT" "SELECT 'streaming to ' || client_addr || ', replay lag ' || COALESCE(replay_lag::text, '0')
                              FROM pg_stat_replication" || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop-replica) stop_cluster "$DIR/replica" ;;
  start-replica) start_cluster "$DIR/replica" "$REPLICA_PORT" ;;
  stop) stop_cluster "$DIR/replica"; stop_cluster "$DIR/primary" ;;
  destroy) stop_cluster "$DIR/replica" || true; stop_cluster "$DIR/primary" || true; rm -rf "$DIR" ;;
  status) status ;;
  urls) urls ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
