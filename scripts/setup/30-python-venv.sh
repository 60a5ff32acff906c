#!/usr/bin/env bash
# The Waldur clients the compatibility tests drive, from PyPI, in a git-ignored venv:
# waldur-api-client (the SDK; 8.1.2 is the version waldur-site-agent 1.0.7 requires) and
# waldur-site-agent with its SLURM plugin.
set -euo pipefail
cd "$(dirname "$0")/../.."
PINS=(waldur-api-client==8.1.2 waldur-site-agent==1.0.7 waldur-site-agent-slurm==1.0.7)
ok=1
if [[ -x .venv/bin/python ]]; then
  for pin in "${PINS[@]}"; do
    name=${pin%%==*}; want=${pin##*==}
    have=$(.venv/bin/python -m pip show "$name" 2>/dev/null | awk '/^Version:/{print $2}' || true)
    [[ "$have" == "$want" ]] || ok=0
  done
else
  ok=0
fi
if [[ $ok == 0 ]]; then
  echo "[setup] creating .venv with ${PINS[*]}"
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check "${PINS[@]}"
fi
.venv/bin/python -c "import waldur_api_client, waldur_site_agent, waldur_site_agent_slurm"
