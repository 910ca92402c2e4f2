#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's postgresql (installed if missing), run by an unprivileged user
# (initdb and pg_ctl refuse root) in a temporary folder, on a free loopback port, with a random password.
#   eval "$(bash scripts/postgres.sh start)"   exports BOT_TEST_POSTGRES (a connection string) and BOT_TEST_POSTGRES_DIR
#   bash scripts/postgres.sh start --durable    the same with fsync on, as a deployment runs it (the benchmark's)
#   bash scripts/postgres.sh stop "$BOT_TEST_POSTGRES_DIR"
set -euo pipefail

bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

case "${1:-}" in
start)
  if [ -z "$(bin)" ]; then
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
  fi
  pg=$(bin)
  [ -x "$pg/initdb" ] || { echo "postgres.sh: no initdb under /usr/lib/postgresql" >&2; exit 1; }
  user=postgres
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  dir=$(mktemp -d /tmp/bot-postgres-XXXXXX)
  chown "$user" "$dir"
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/password" && chown "$user" "$dir/password" && chmod 600 "$dir/password"
  port=
  for candidate in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "postgres.sh: no free port" >&2; exit 1; }
  runuser -u "$user" -- "$pg/initdb" -D "$dir/data" -U bot --pwfile="$dir/password" -A scram-sha-256 --no-sync >&2
  rm -f "$dir/password"
  # fsync off for the tests: they kill the host, never the database server; the cluster is thrown away at the end.
  fsync=off
  [ "${2:-}" = --durable ] && fsync=on
  # 1000 connections: the suite runs many hosts at once, each with a pool of up to 100 (idle ones are kept for minutes).
  runuser -u "$user" -- "$pg/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$fsync -c max_connections=1000" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export BOT_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=bot;Password=$password;Database=postgres'"
  echo "export BOT_TEST_POSTGRES_DIR='$dir'"
  ;;
stop)
  dir=${2:?usage: postgres.sh stop DIR}
  runuser -u postgres -- "$(bin)/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start | stop DIR" >&2
  exit 2
  ;;
esac
