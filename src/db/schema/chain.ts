// Chain outbox (src/bridge/chain): public marketplace records waiting to be written to the
// VirtEngine chain. A row is inserted in the same D1 batch as the state change it records; the
// sender signs it (the signed bytes and hash are stored before broadcasting, so a crash never
// leads to a second, different transaction for the same row) and keeps the chain's verdict.
// Only public data goes here and on chain: uuids, hashes, object keys, amounts in uve.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json } from "./common.ts";

export type ChainOutboxState = "pending" | "signed" | "committed" | "failed";

export const chainOutbox = sqliteTable(
  "chain_outbox",
  {
    /** Sending order. */
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Idempotency key, carried in the transaction memo as `ve-outbox:<uuid>`. */
    uuid: text("uuid").notNull().unique(),
    /** What happened in the API: order.created, order.approved, order.done, usage.reported, ... */
    kind: text("kind").notNull(),
    /** The API object the record is about (e.g. the order uuid); rows with the same ref are sent in order. */
    ref: text("ref"),
    /** Chain address the Msg is signed for (sent through x/authz MsgExec unless it is the bridge's own). */
    signer: text("signer").notNull(),
    typeUrl: text("type_url").notNull(),
    /** The Msg as JSON (uint64 as decimal strings); `{"$chainId": "<ref>"}` stands for the chain id created for ref. */
    payload: json<Record<string, unknown>>("payload").notNull(),
    state: text("state").$type<ChainOutboxState>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** Epoch ms before which the row is not tried again (backoff). */
    nextAttemptAt: integer("next_attempt_at").notNull().default(0),
    /** Last transient problem (network, mempool full, ...); the row is retried. */
    lastError: text("last_error"),
    txHash: text("tx_hash"),
    /** Account sequence the row is signed at. Kept when the row must be re-signed, so one row never holds two sequences at once. */
    sequence: integer("sequence"),
    /** Gas limit of the signed tx (raised after an out-of-gas). */
    gasLimit: integer("gas_limit"),
    /** The signed TxRaw, base64, re-broadcast as-is after a crash. */
    txBytes: text("tx_bytes"),
    height: integer("height"),
    /** The chain's verdict for a failed row: ABCI codespace/code and log. */
    chainCodespace: text("chain_codespace"),
    chainCode: integer("chain_code"),
    chainLog: text("chain_log"),
    /** What the chain returned, e.g. {"chainId": "12"} for a created order. */
    result: json<Record<string, string>>("result"),
    created: text("created").notNull(),
    modified: text("modified").notNull(),
  },
  (t) => [index("chain_outbox_state").on(t.state, t.nextAttemptAt), index("chain_outbox_ref").on(t.ref), index("chain_outbox_tx_hash").on(t.txHash)],
);

/** Single-writer lease for the sender (one account = one sequence; two senders would collide). */
export const chainSenderLock = sqliteTable("chain_sender_lock", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  until: integer("until").notNull(),
});
