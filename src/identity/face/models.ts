// Loads TensorFlow.js (wasm backend) and the three face models once per process.
//
// Where the models come from: they ship inside the npm package @vladmandic/face-api (MIT), directory
// node_modules/@vladmandic/face-api/model/, and are read from disk here; nothing is downloaded.
// - ssd_mobilenetv1: SSD MobileNet v1 face detector trained on WIDER FACE (face-api.js).
// - face_landmark_68: 68-point landmark net (iBUG 300-W point order, as dlib).
// - face_recognition: the 128-d ResNet-34-like descriptor net, a port of dlib's
//   dlib_face_recognition_resnet_model_v1 by Davis King (99.38% on LFW at euclidean distance 0.6).
// The wasm binaries come from node_modules/@tensorflow/tfjs-backend-wasm/dist/.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as wasmBackend from "@tensorflow/tfjs-backend-wasm";
import * as faceapi from "@vladmandic/face-api/dist/face-api.node-wasm.js";

const require = createRequire(import.meta.url);

export type FaceApi = typeof faceapi;

/** Directory holding the face-api model manifests and weights. */
export const MODEL_DIR = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
const WASM_DIR = `${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"))}/dist/`;

let loading: Promise<FaceApi> | null = null;

/** Idempotent: the first call initialises the backend and loads the weights (about 0.5 s). */
export function loadFaceModels(): Promise<FaceApi> {
  loading ??= (async () => {
    // Second argument false: the paths are plain file paths, not URLs to fetch. (true makes tfjs
    // call fetch() with a file path, which Node's fetch rejects.)
    wasmBackend.setWasmPaths(WASM_DIR, false);
    // face-api's node-wasm build requires the same @tensorflow/tfjs module, so this selects its backend.
    await tf.setBackend("wasm");
    await tf.ready();
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(MODEL_DIR);
    return faceapi;
  })();
  return loading;
}

/** Hashes of the model files, so an attestation can name exactly which weights produced a score. */
export const MODEL_FILES = [
  "ssd_mobilenetv1_model-weights_manifest.json",
  "ssd_mobilenetv1_model.bin",
  "face_landmark_68_model-weights_manifest.json",
  "face_landmark_68_model.bin",
  "face_recognition_model-weights_manifest.json",
  "face_recognition_model.bin",
] as const;
