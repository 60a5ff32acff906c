// Worker thread body for FacePool: loads the models once, then analyses images on request.

import { parentPort } from "node:worker_threads";
import { loadFaceModels } from "./models.ts";
import { analyzeFace, type FaceOptions } from "./pipeline.ts";

interface Request {
  id: number;
  bytes: Uint8Array;
  opts: FaceOptions;
}

const port = parentPort;
if (!port) throw new Error("worker.ts must run in a worker thread");
await loadFaceModels();
port.on("message", async (req: Request) => {
  try {
    port.postMessage({ id: req.id, result: await analyzeFace(req.bytes, req.opts) });
  } catch (e) {
    port.postMessage({ id: req.id, error: (e as Error).message });
  }
});
port.postMessage({ ready: true });
