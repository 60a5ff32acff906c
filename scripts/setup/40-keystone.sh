#!/usr/bin/env bash
# Debian's Keystone (OpenStack Identity, Zed era) for the OpenStack plugin tests, which authenticate
# against the real Keystone. Nova/Neutron/Cinder/Glance cannot run here (message bus, libvirt…):
# the tests use test/servers/openstack-test-server.ts for those. Nothing is started here
# (policy-rc.d forbids it anyway): infra/keystone/up.sh does that. Skips in well under a second when
# everything is installed.
set -euo pipefail
# keystone pulls python3-keystone and the wsgi entry points (keystone-wsgi-public); sqlite3 is for
# poking at the database by hand; curl is what up.sh uses to wait for and seed Keystone.
PKGS=(keystone sqlite3 curl)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[setup] installing ${missing[*]} (Keystone is ~155 MB, ~2 min)"
  export DEBIAN_FRONTEND=noninteractive
  # Other setup scripts may be running apt at the same time on a shared machine: wait for the lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # --no-install-recommends: avoids apache2/libapache2-mod-wsgi; we run keystone-wsgi-public directly.
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v keystone-manage >/dev/null && command -v keystone-wsgi-public >/dev/null
