#!/usr/bin/env bash
# Debian's haproxy in front of app servers on 127.0.0.1, for the multi-server test and benchmark: round robin,
# a server taken out once its /healthz fails (checked every 300 ms), a request whose connection failed sent
# to another server.
#
#   haproxy.sh start <dir> <port> <server port>...   writes <dir>/haproxy.cfg and starts it in the background
#   haproxy.sh stop <dir>                            stops it, and waits until it is gone
set -euo pipefail

usage() { echo "usage: $0 start <dir> <port> <server port>... | stop <dir>" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}

case $cmd in
  start)
    [ $# -ge 4 ] || usage
    port=$3
    shift 3
    if [ ! -x "$HAPROXY" ]; then
      echo "haproxy is not installed: run bash .ci/services/install.sh as root" >&2
      exit 3
    fi
    mkdir -p "$dir"
    {
      printf 'global\n  maxconn 2000\n'
      # A check's own timeout, or it would be the 300 ms interval: a busy server slower than that to answer
      # /healthz was taken out, and with no other server, every request got haproxy's 503.
      printf 'defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n  timeout check 2s\n  retries 3\n  option redispatch 1\n'
      printf 'frontend images\n  bind 127.0.0.1:%s\n  default_backend apps\n' "$port"
      printf 'backend apps\n  balance roundrobin\n  option httpchk GET /healthz\n'
      i=0
      for server in "$@"; do
        printf '  server app%s 127.0.0.1:%s check inter 300ms fall 1 rise 1\n' "$i" "$server"
        i=$((i + 1))
      done
    } >"$dir/haproxy.cfg"
    # -D returns once the port is bound (or with the reason it could not be).
    "$HAPROXY" -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" 2>"$dir/haproxy.log" || { cat "$dir/haproxy.log" >&2; exit 1; }
    ;;
  stop)
    [ -f "$dir/haproxy.pid" ] || exit 0
    pid=$(cat "$dir/haproxy.pid")
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/haproxy.pid"
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || exit 0
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  *) usage ;;
esac
