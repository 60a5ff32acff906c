// Approves the repo's identity scoring pipeline in a localnet genesis (x/veid params
// approved_pipelines), as governance would on a real network: attestations count only when they
// name an approved pipeline hash, so without this the local scorer's attestations would be refused.
//   usage: node --import tsx scripts/genesis-pipeline.ts <genesis.json>
import { readFileSync, writeFileSync } from "node:fs";
import { pipelineVersion } from "../src/identity/scoring/pipeline.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: genesis-pipeline.ts <genesis.json>");
const genesis = JSON.parse(readFileSync(file, "utf8"));
const params = genesis.app_state?.veid?.params;
if (!params) throw new Error(`${file} has no app_state.veid.params`);
const { version, hash } = await pipelineVersion();
params.approved_pipelines = [{ version, hash: Buffer.from(hash, "hex").toString("base64") }];
writeFileSync(file, JSON.stringify(genesis, null, 2));
console.log(`approved scoring pipeline ${version} ${hash}`);
