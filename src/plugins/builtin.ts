// The plugins built into the Worker. Which offerings they serve is configuration (VE_PLUGINS).
import { kubernetesPlugin } from "./kubernetes/index.ts";
import { openstackPlugin } from "./openstack/index.ts";
import { registerPlugin } from "./registry.ts";
import { slurmPlugin } from "./slurm/index.ts";
import { waldurPlugin } from "./waldur/index.ts";

for (const p of [slurmPlugin, openstackPlugin, kubernetesPlugin, waldurPlugin]) registerPlugin(p);
