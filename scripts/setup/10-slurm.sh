#!/usr/bin/env bash
# Debian's SLURM 22.05 with accounting (slurmdbd + MariaDB) and munge, for the real-SLURM tests
# (the SLURM plugin and waldur-site-agent). Nothing is started here: infra/slurm/up.sh does that.
set -euo pipefail
PKGS=(slurmctld slurmd slurm-client slurmrestd munge slurm-wlm-jwt-plugin slurm-wlm-basic-plugins slurmdbd slurm-wlm-mysql-plugin mariadb-server mariadb-client curl)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[setup] installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v slurmctld >/dev/null && command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null
