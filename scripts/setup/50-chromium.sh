#!/usr/bin/env bash
# Debian's Chromium for the portal's browser tests (test/portal/, driven by playwright-core with
# executablePath /usr/bin/chromium): Playwright's own browser download cannot reach this network.
set -euo pipefail
PKGS=(chromium fonts-liberation)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[setup] installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Install from the cached package lists when they suffice; refresh them once otherwise.
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi
test -x /usr/bin/chromium
