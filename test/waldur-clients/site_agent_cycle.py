"""Runs exactly one polling cycle of waldur-site-agent (the real package from PyPI) and exits.

The agent's own entry point loops forever; the tests need one cycle at a time, so this calls the
same per-cycle function its loop calls. Usage: site_agent_cycle.py <config.yaml> <order_process|report|membership_sync>
"""

import sys

from waldur_site_agent.common import utils
from waldur_site_agent.polling_processing import agent_membership_sync, agent_order_process, agent_report

MODES = {
    "order_process": agent_order_process,
    "report": agent_report,
    "membership_sync": agent_membership_sync,
}


def main() -> int:
    config_path, mode = sys.argv[1], sys.argv[2]
    configuration = utils.load_configuration(config_path, user_agent_suffix=mode)
    configuration.waldur_site_agent_mode = mode
    MODES[mode]._process_offerings(configuration, {})
    print(f"cycle: {mode} done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
