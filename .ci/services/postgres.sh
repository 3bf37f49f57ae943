#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: a new cluster in <dir>, listening on 127.0.0.1:<port> only, run as the
# `postgres` user when started as root (initdb refuses root), as the current user otherwise. Durability is
# off (fsync, synchronous commit, full-page writes): the cluster is deleted after the run anyway.
#
#   postgres.sh start <dir> <port>   initdb and start; writes <dir>/env (DATABASE_URL of a superuser)
#   postgres.sh stop <dir>           stop it (fast shutdown: open sessions are cut)
#   postgres.sh resume <dir>         start a stopped cluster again, as it was (a test's outage ends)
set -euo pipefail

usage() { echo "usage: $0 start|stop|resume <dir> [<port>]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2 port=${3:-}
USER_NAME=imagerepo PASSWORD=imagerepo

# Debian keeps the server programs out of PATH, one folder per major version: the newest one there.
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

if [ "$(id -u)" = 0 ]; then
  service_user=postgres
  as_service() { runuser -u postgres -- "$@"; }
else
  service_user=$(id -un)
  as_service() { "$@"; }
fi

start_cluster() {
  if ! as_service "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$(cat "$dir/options")" -w -t 60 start >/dev/null; then
    tail -n 20 "$dir/postgres.log" >&2 || true
    exit 1
  fi
}

case $cmd in
  start)
    [ -n "$port" ] || usage
    if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
      echo "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run bash .ci/services/install.sh as root" >&2
      exit 3
    fi
    if [ -e "$dir/data" ]; then echo "$dir already holds a cluster: stop it first" >&2; exit 1; fi
    mkdir -p "$dir"
    chown "$service_user" "$dir"
    chmod 700 "$dir"
    printf '%s\n' "$PASSWORD" >"$dir/password"
    chown "$service_user" "$dir/password"
    # Passwords over TCP (as the app will connect), the service user itself over the socket in <dir>.
    as_service "$bin/initdb" -D "$dir/data" -U "$USER_NAME" --pwfile="$dir/password" --auth-host=scram-sha-256 \
      --auth-local=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/password"
    options="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    printf '%s\n' "$options" >"$dir/options"
    start_cluster
    echo "DATABASE_URL=postgres://$USER_NAME:$PASSWORD@127.0.0.1:$port/postgres" >"$dir/env"
    ;;
  resume)
    [ -f "$dir/options" ] || { echo "$dir holds no cluster started by this script" >&2; exit 1; }
    start_cluster
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    [ -n "$bin" ] || { echo "PostgreSQL is not installed: nothing to stop it with" >&2; exit 1; }
    # pg_ctl waits until the postmaster and all its children are gone.
    as_service "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
    ;;
  *) usage ;;
esac
