// Bridge from the edge API to the VirtEngine chain: typed Msgs, the D1 outbox and its sender.
export * from "./client.ts";
export * from "./outbox.ts";
export * from "./proto.ts";
export * from "./records.ts";
export * from "./sender.ts";
export * from "./worker.ts";
export * from "./indexer.ts";
