#!/usr/bin/env bash
# OpenStack Swift as an S3-compatible store for tests: one proxy (s3api + tempauth) on 127.0.0.1:<port>, one
# account, container and object server on free loopback ports, memcached for tempauth's tokens, one device
# (a plain folder) and one replica. Everything lives in <dir> and runs as the `swift` user when started as
# root (as the current user otherwise).
#
#   swift.sh start <dir> <port>        start the whole store; writes <dir>/env (S3_* settings for the tests)
#   swift.sh stop <dir>                stop every process started from <dir> (the extra proxies too)
#   swift.sh start-proxy <dir> <port>  one more proxy on the same store (a test can kill it without
#   swift.sh stop-proxy <dir> <port>   taking the store away from the other tests)
set -euo pipefail

usage() { echo "usage: $0 start|stop|start-proxy|stop-proxy <dir> [<port>]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2 port=${3:-}

# The keys the tests use: test:tester owns account "test"; test:tester3 is a member of it without .admin,
# so it can only do what a container's ACL lets it.
ADMIN_KEY_ID=test:tester ADMIN_SECRET=testing
MEMBER_KEY_ID=test:tester3 MEMBER_SECRET=testing3

# Debian's Python, which has Swift's modules (a python3 earlier in PATH, pyenv's say, has not).
PY=/usr/bin/python3

# Each server is started as `exec_as_service ... &`: the background subshell becomes the server, so $! is its pid.
if [ "$(id -u)" = 0 ]; then
  service_user=swift
  exec_as_service() { exec setpriv --reuid=swift --regid=swift --init-groups --inh-caps=-all -- "$@"; }
else
  service_user=$(id -un)
  exec_as_service() { exec "$@"; }
fi

alive() { # a pid that is running (not a zombie waiting for a parent that never reaps it)
  [ -r "/proc/$1/stat" ] && [ "$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Kills the process in a pid file if it is still the one we started: its command line holds `mark` (<dir>
# unless given), so a pid the system reused for something else is left alone.
stop_pidfile() {
  local file=$1 mark=${2:-$dir} pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$mark"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 20); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$file"
}

leftovers() { # pids of live processes whose command line names <dir>
  local file pid
  for file in $(grep -alF -- "$dir/" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${file#/proc/} pid=${pid%/cmdline}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && alive "$pid" && printf '%s ' "$pid"
  done
  return 0
}

free_ports() { # n free loopback ports, as the kernel hands them out
  "$PY" -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

write_server_conf() { # name, port
  cat >"$dir/etc/$1-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $service_user
swift_dir = $dir/etc
devices = $dir/srv
mount_check = false
disable_fallocate = true
recon_cache_path = $dir/cache
log_level = WARNING

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
CONF
}

write_proxy_conf() { # port, memcached port
  cat >"$dir/etc/proxy-$1.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = $service_user
swift_dir = $dir/etc
recon_cache_path = $dir/cache
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $ADMIN_SECRET .admin
user_test_tester3 = $MEMBER_SECRET

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$2

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
}

build_rings() { # account port, container port, object port
  "$PY" - "$dir/etc" "$@" <<'PY'
import sys
from swift.common.ring import RingBuilder
etc, ports = sys.argv[1], sys.argv[2:]
for name, port in zip(("account", "container", "object"), ports):
    builder = RingBuilder(4, 1, 0)  # 16 partitions, one replica, no wait between rebalances
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1.0})
    builder.rebalance()
    builder.get_ring().save(f"{etc}/{name}.ring.gz")
PY
}

start_proxy() { # port; the store's memcached port is in <dir>/run/memcached.port
  write_proxy_conf "$1" "$(cat "$dir/run/memcached.port")"
  chown -R "$service_user" "$dir/etc"
  exec_as_service swift-proxy-server "$dir/etc/proxy-$1.conf" -v >>"$dir/log/proxy-$1.log" 2>&1 &
  echo $! >"$dir/run/proxy-$1.pid"
}

# Ready when the whole path works: a token from tempauth, then a container and an object written through
# the proxy (so the account, container and object servers all answer).
wait_ready() { # port, seconds
  "$PY" - "$1" "$2" "$ADMIN_KEY_ID" "$ADMIN_SECRET" <<'PY'
import sys, time, urllib.request
port, seconds, user, key = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{port}"
def call(method, url, headers):
    with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=2) as r:
        return r
deadline, last = time.monotonic() + seconds, None
while time.monotonic() < deadline:
    try:
        r = call("GET", f"{base}/auth/v1.0", {"X-Auth-User": user, "X-Auth-Key": key})
        token, storage = r.headers["X-Auth-Token"], r.headers["X-Storage-Url"]
        call("PUT", f"{storage}/.ready", {"X-Auth-Token": token})
        call("PUT", f"{storage}/.ready/probe", {"X-Auth-Token": token, "Content-Length": "0"})
        call("DELETE", f"{storage}/.ready/probe", {"X-Auth-Token": token})
        call("DELETE", f"{storage}/.ready", {"X-Auth-Token": token})
        sys.exit(0)
    except Exception as err:
        last = err
        time.sleep(0.2)
sys.exit(f"Swift did not answer on port {port} within {seconds:g} s: {last}")
PY
}

missing() {
  local tool
  for tool in swift-proxy-server swift-account-server swift-container-server swift-object-server memcached setpriv "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool"; return 0; }
  done
  "$PY" -c 'import swift.common.middleware.s3api' 2>/dev/null || echo "python3-swift's s3api"
}

case $cmd in
  start)
    [ -n "$port" ] || usage
    if [ -n "$(missing)" ]; then
      echo "Swift is not installed ($(missing) not found): run bash .ci/services/install.sh as root" >&2
      exit 3
    fi
    if [ -e "$dir/run" ]; then echo "$dir already holds a Swift: stop it first" >&2; exit 1; fi
    mkdir -p "$dir"/{etc,srv/d1,cache,run,log}
    read -r account container object memcached <<<"$(free_ports 4)"
    echo "$memcached" >"$dir/run/memcached.port"
    write_server_conf account "$account"
    write_server_conf container "$container"
    write_server_conf object "$object"
    build_rings "$account" "$container" "$object"
    chown -R "$service_user" "$dir"
    # -U 0: no UDP; 16 MB is plenty for tokens.
    exec_as_service memcached -l 127.0.0.1 -p "$memcached" -U 0 -m 16 -c 256 >"$dir/log/memcached.log" 2>&1 &
    echo $! >"$dir/run/memcached.pid"
    for server in account container object; do
      exec_as_service "swift-$server-server" "$dir/etc/$server-server.conf" -v >"$dir/log/$server.log" 2>&1 &
      echo $! >"$dir/run/$server.pid"
    done
    start_proxy "$port"
    if ! wait_ready "$port" 60; then
      tail -n 20 "$dir"/log/*.log >&2 || true
      bash "$0" stop "$dir"
      exit 1
    fi
    cat >"$dir/env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$port
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=$ADMIN_KEY_ID
S3_SECRET_ACCESS_KEY=$ADMIN_SECRET
S3_FORCE_PATH_STYLE=true
SWIFT_MEMBER_ACCESS_KEY_ID=$MEMBER_KEY_ID
SWIFT_MEMBER_SECRET_ACCESS_KEY=$MEMBER_SECRET
SWIFT_AUTH_URL=http://127.0.0.1:$port/auth/v1.0
ENV
    ;;
  start-proxy)
    [ -n "$port" ] && [ -f "$dir/run/memcached.port" ] || usage
    start_proxy "$port"
    wait_ready "$port" 60
    ;;
  stop-proxy)
    [ -n "$port" ] || usage
    stop_pidfile "$dir/run/proxy-$port.pid"
    ;;
  stop)
    [ -d "$dir/run" ] || exit 0
    for file in "$dir"/run/proxy-*.pid "$dir"/run/{object,container,account}.pid; do stop_pidfile "$file"; done
    # memcached's command line does not name <dir>: it is recognised by its port instead.
    stop_pidfile "$dir/run/memcached.pid" "-p $(cat "$dir/run/memcached.port") "
    rm -rf "$dir/run"
    left=$(leftovers)
    if [ -n "$left" ]; then echo "still running after stop: $left" >&2; exit 1; fi
    ;;
  *) usage ;;
esac
