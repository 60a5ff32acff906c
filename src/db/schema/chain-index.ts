// Read tables mirrored from the chain by the indexer (src/bridge/chain/indexer.ts), and the
// marketplace events that stayed off chain. The chain is the source of truth for what is here;
// every row is keyed by chain ids (and the chain id string, so one D1 can follow a chain reset or
// a second network) and rewritten idempotently when a block range is indexed again.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Per chain: the last height whose events are fully in the tables below. */
export const chainIndexCursor = sqliteTable("chain_index_cursor", {
  chainId: text("chain_id").primaryKey(),
  height: integer("height").notNull(),
  updated: text("updated").notNull(),
});

/** x/market offerings: who provides them and their state. */
export const chainOfferings = sqliteTable(
  "chain_offerings",
  {
    chainId: text("chain_id").notNull(),
    offeringId: integer("offering_id").notNull(),
    provider: text("provider").notNull(),
    /** active | paused | archived (x/market OfferingState without the prefix, lower case). */
    state: text("state").notNull(),
    createdHeight: integer("created_height").notNull(),
    /** Height and tx of the last change mirrored. */
    height: integer("height").notNull(),
    txHash: text("tx_hash"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.offeringId] })],
);

/** x/market orders with their lease. */
export const chainOrders = sqliteTable(
  "chain_orders",
  {
    chainId: text("chain_id").notNull(),
    orderId: integer("order_id").notNull(),
    customer: text("customer").notNull(),
    offeringId: integer("offering_id").notNull(),
    /** pending_provider | open | executing | done | erred | canceled | rejected. */
    state: text("state").notNull(),
    /** Lease: active | insufficient_funds | closed; null before one exists. */
    leaseState: text("lease_state"),
    leaseProvider: text("lease_provider"),
    /** Lease price per block as the chain prints a coin, e.g. "4uve". */
    leasePrice: text("lease_price"),
    leaseCloseReason: text("lease_close_reason"),
    createdHeight: integer("created_height").notNull(),
    height: integer("height").notNull(),
    txHash: text("tx_hash"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.orderId] })],
);

/** x/market usage records, as posted and charged. */
export const chainUsage = sqliteTable(
  "chain_usage",
  {
    chainId: text("chain_id").notNull(),
    orderId: integer("order_id").notNull(),
    seq: integer("seq").notNull(),
    component: text("component").notNull(),
    /** uint64 as a decimal string. */
    amount: text("amount").notNull(),
    /** Coin string, e.g. "3000uve". */
    cost: text("cost").notNull(),
    height: integer("height").notNull(),
    txHash: text("tx_hash"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.orderId, t.seq] })],
);

/** x/escrow events one by one (keyed by their place in the block, so re-indexing adds nothing twice). */
export const chainEscrowEvents = sqliteTable(
  "chain_escrow_events",
  {
    chainId: text("chain_id").notNull(),
    height: integer("height").notNull(),
    /** Index of the tx in the block, or -1 for block events (EndBlocker sweeps). */
    txIndex: integer("tx_index").notNull(),
    eventIndex: integer("event_index").notNull(),
    /** account_created | deposit | payment_created | settled | account_overdrawn | withdraw | payment_closed | account_closed. */
    type: text("type").notNull(),
    /** Escrow account id, e.g. "order/12". */
    accountId: text("account_id").notNull(),
    /** The coin the event moved (deposit, transferred, refund, rate...), e.g. "5000000uve"; "" when none. */
    amount: text("amount").notNull().default(""),
    txHash: text("tx_hash"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.height, t.txIndex, t.eventIndex] }), index("chain_escrow_events_account").on(t.accountId)],
);

/**
 * A public marketplace event that was not sent to the chain, and why (e.g. the customer has no
 * wallet address). Written in the same batch as the state change, like an outbox row would be.
 */
export const chainOffchain = sqliteTable(
  "chain_offchain",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The record kind it would have been: order.created, offering.created, usage.reported, ... */
    kind: text("kind").notNull(),
    /** The API object (order, offering) uuid. */
    ref: text("ref").notNull(),
    /** Short machine-readable reason: no_customer_wallet, no_provider_wallet, offering_off_chain, order_off_chain, not_representable, no_chain_transition. */
    reason: text("reason").notNull(),
    detail: text("detail").notNull().default(""),
    created: text("created").notNull(),
  },
  (t) => [index("chain_offchain_ref").on(t.ref), index("chain_offchain_reason").on(t.reason)],
);

/** x/veid scoring rounds: opened by MsgRequestScore, decided by attestations or at the deadline. */
export const chainVeidRounds = sqliteTable(
  "chain_veid_rounds",
  {
    chainId: text("chain_id").notNull(),
    roundId: integer("round_id").notNull(),
    /** The scored account (bech32). */
    account: text("account").notNull(),
    /** open | finalized | finalized_at_deadline | expired (x/veid RoundState without the prefix). */
    state: text("state").notNull(),
    /** The agreed score once decided; null while open or when expired. */
    score: integer("score"),
    disputed: integer("disputed", { mode: "boolean" }).notNull().default(false),
    attesters: integer("attesters").notNull().default(0),
    /** Block height at which the chain decides the round without more attestations. */
    deadline: integer("deadline").notNull(),
    openedHeight: integer("opened_height").notNull(),
    /** Height and tx of the last change mirrored. */
    height: integer("height").notNull(),
    txHash: text("tx_hash"),
    /** When the review trigger looked at this decided, disputed or borderline round (a review is queued if the account has a document/selfie pair); null before. */
    reviewQueued: text("review_queued"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.roundId] }), index("chain_veid_rounds_account").on(t.account)],
);

/** x/veid attestations, one per validator and round (scores are public once attested). */
export const chainVeidAttestations = sqliteTable(
  "chain_veid_attestations",
  {
    chainId: text("chain_id").notNull(),
    roundId: integer("round_id").notNull(),
    /** Validator operator address (valoper). */
    validator: text("validator").notNull(),
    score: integer("score").notNull(),
    height: integer("height").notNull(),
    txHash: text("tx_hash"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.roundId, t.validator] })],
);

/** The agreed x/veid score per account: its latest decided round. */
export const chainVeidScores = sqliteTable(
  "chain_veid_scores",
  {
    chainId: text("chain_id").notNull(),
    account: text("account").notNull(),
    score: integer("score").notNull(),
    roundId: integer("round_id").notNull(),
    /** finalized | finalized_at_deadline. */
    how: text("how").notNull(),
    attesters: integer("attesters").notNull(),
    disputed: integer("disputed", { mode: "boolean" }).notNull().default(false),
    height: integer("height").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.account] })],
);
