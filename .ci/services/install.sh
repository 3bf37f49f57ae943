#!/usr/bin/env bash
# Debian's PostgreSQL and OpenStack Swift (an S3-compatible object store through its s3api middleware, with
# memcached, which its tempauth keeps tokens in) for the tests that need real services. Installs only what
# is missing, so a second run costs a dpkg query. haproxy is the load balancer of the multi-server test, and
# wrk the load generator of the benchmark's figure 9. exiftool (Perl) writes and reads the metadata of the test
# fixtures only: the app never runs it.
set -euo pipefail
packages=(postgresql-15 swift swift-proxy swift-account swift-container swift-object memcached haproxy wrk libimage-exiftool-perl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install.sh: ${missing[*]} missing; run it as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
# The package lists may be missing (a fresh machine) or stale: refresh them only if the install needs it.
install 2>/dev/null || { apt-get update -qq && install; }
