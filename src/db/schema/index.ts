export * from "./events.ts";
export * from "./marketplace.ts";
export * from "./structure.ts";
export * from "./hpc.ts";
export * from "./chain.ts";
export * from "./crypto.ts";
export * from "./identity.ts";
export * from "./chain-index.ts";
