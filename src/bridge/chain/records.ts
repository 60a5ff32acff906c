// Builders for outbox records: one per public event of the edge API. Each checks that only public,
// non-sensitive data goes on chain (addresses, uuids, sha-256 hashes, opaque object keys, integer
// uve amounts) and returns the Msg in JSON form for the outbox row.
import { fromBech32, toBase64, fromBase64 } from "@cosmjs/encoding";
import { BECH32_PREFIX, DENOM } from "./client.ts";
import { OfferingState, OrderState } from "./proto.ts";

export interface OutboxRecord {
  kind: string;
  /** API object uuid this record is about; records with the same ref are sent in insertion order. */
  ref: string | null;
  signer: string;
  typeUrl: string;
  payload: Record<string, unknown>;
}

export class ChainRecordError extends Error {
  override name = "ChainRecordError";
}

type Int = bigint | number | string;
/** A chain id known now, or the one the chain assigned to the record created for this API uuid. */
export type ChainIdRef = Int | { ref: string };

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** Object keys are opaque paths (uuids, hashes), never names or descriptions. */
const OBJECT_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,255}$/;
const MAX_U64 = (1n << 64n) - 1n;
const MAX_I64 = (1n << 63n) - 1n;

function uuid(v: string, what: string): string {
  if (!UUID.test(v)) throw new ChainRecordError(`${what} must be a uuid`);
  return v.toLowerCase();
}
function address(v: string, what: string): string {
  try {
    if (fromBech32(v, 90).prefix !== BECH32_PREFIX) throw new Error("prefix");
  } catch {
    throw new ChainRecordError(`${what} must be a ${BECH32_PREFIX}1… address`);
  }
  return v;
}
function int(v: Int, what: string, max = MAX_U64, min = 0n): string {
  let n: bigint;
  try {
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new Error();
    if (typeof v === "string" && !/^-?[0-9]+$/.test(v)) throw new Error();
    n = BigInt(v);
  } catch {
    throw new ChainRecordError(`${what} must be an integer`);
  }
  if (n < min || n > max) throw new ChainRecordError(`${what} out of range`);
  return n.toString();
}
function name(v: string, what: string): string {
  if (!NAME.test(v)) throw new ChainRecordError(`${what} must be a short identifier (letters, digits, _ . : -)`);
  return v;
}
function objectKey(v: string | undefined, what: string): string {
  if (v === undefined || v === "") return "";
  if (!OBJECT_KEY.test(v)) throw new ChainRecordError(`${what} must be an opaque object key`);
  return v;
}
function hash(v: Uint8Array | string | undefined, what: string): { $b64: string } | undefined {
  if (v === undefined) return undefined;
  const bytes = typeof v === "string" ? hexBytes(v, what) : v;
  if (bytes.length !== 32) throw new ChainRecordError(`${what} must be a 32-byte sha-256`);
  return { $b64: toBase64(bytes) };
}
function hexBytes(v: string, what: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(v)) throw new ChainRecordError(`${what} must be hex`);
  return Uint8Array.from(v.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}
function uve(v: Int, what: string): { denom: string; amount: string } {
  return { denom: DENOM, amount: int(v, what, MAX_U64) };
}
function chainId(v: ChainIdRef, what: string): string | { $chainId: string } {
  if (typeof v === "object") return { $chainId: uuid(v.ref, `${what}.ref`) };
  const s = int(v, what);
  if (s === "0") throw new ChainRecordError(`${what} must be positive`);
  return s;
}

const MARKET = "/virtengine.market.v1.";

export interface OrderCreated {
  orderUuid: string;
  customer: string;
  /** The offering's chain id, or { ref: offeringUuid } when the offering went through this outbox. */
  offering: ChainIdRef;
  plan: string;
  limits?: { component: string; amount: Int }[];
  /** sha-256 of the encrypted order details (hex or bytes). */
  detailsHash?: Uint8Array | string;
  /** Object key of the encrypted details; opaque (e.g. "orders/<uuid>"). */
  detailsKey?: string;
  /** Escrow deposit in uve (≥ the chain's order_min_deposit). */
  depositUve: Int;
}

export interface OfferingCreated {
  offeringUuid: string;
  provider: string;
  category: string;
  offeringType: string;
  plans: { name: string; components: { component: string; billing: "fixed" | "usage"; priceUve: Int }[] }[];
  requiredIdentityScore?: number;
  descriptionHash?: Uint8Array | string;
  descriptionKey?: string;
}

function planPayload(plans: OfferingCreated["plans"]) {
  return plans.map((p) => ({
    name: name(p.name, "plan name"),
    components: p.components.map((c) => ({
      component: name(c.component, "component"),
      billing: c.billing === "usage" ? 2 : 1,
      price: uve(c.priceUve, "priceUve"),
    })),
  }));
}

const orderMsg = (kind: string, typeUrl: string, orderUuid: string, partyField: string, party: string, extra: Record<string, unknown> = {}): OutboxRecord => {
  const ref = uuid(orderUuid, "orderUuid");
  return {
    kind,
    ref,
    signer: address(party, partyField),
    typeUrl: MARKET + typeUrl,
    payload: { [partyField]: party, orderId: { $chainId: ref }, ...extra },
  };
};

/** One builder per public event of the marketplace API. */
export const chainRecords = {
  /**
   * The provider's x/market record (MsgUpsertProvider; the chain refuses offerings of a wallet
   * without one). `ref` orders it: the offering's uuid when written with its activation, so the
   * sender sends it first. Its name is the organization's uuid, nothing more about it.
   */
  providerUpserted(e: { ref: string; owner: string; organizationUuid: string }): OutboxRecord {
    return {
      kind: "provider.upserted",
      ref: uuid(e.ref, "ref"),
      signer: address(e.owner, "owner"),
      typeUrl: `${MARKET}MsgUpsertProvider`,
      payload: { owner: e.owner, name: uuid(e.organizationUuid, "organizationUuid") },
    };
  },

  offeringCreated(e: OfferingCreated): OutboxRecord {
    const ref = uuid(e.offeringUuid, "offeringUuid");
    if (e.plans.length === 0) throw new ChainRecordError("an offering needs at least one plan");
    const score = e.requiredIdentityScore ?? 0;
    if (!Number.isInteger(score) || score < 0 || score > 100) throw new ChainRecordError("requiredIdentityScore must be 0..100");
    return {
      kind: "offering.created",
      ref,
      signer: address(e.provider, "provider"),
      typeUrl: `${MARKET}MsgCreateOffering`,
      payload: {
        provider: e.provider,
        category: name(e.category, "category"),
        offeringType: name(e.offeringType, "offeringType"),
        plans: planPayload(e.plans),
        requiredIdentityScore: score,
        descriptionHash: hash(e.descriptionHash, "descriptionHash"),
        descriptionKey: objectKey(e.descriptionKey, "descriptionKey"),
      },
    };
  },

  /** The offering's state changed in the API (x/market MsgUpdateOffering; archived is final there). */
  offeringStateChanged(e: { offeringUuid: string; provider: string; state: "active" | "paused" | "archived" }): OutboxRecord {
    const ref = uuid(e.offeringUuid, "offeringUuid");
    const state = { active: OfferingState.ACTIVE, paused: OfferingState.PAUSED, archived: OfferingState.ARCHIVED }[e.state];
    if (state === undefined) throw new ChainRecordError("state must be active, paused or archived");
    return {
      kind: "offering.state",
      ref,
      signer: address(e.provider, "provider"),
      typeUrl: `${MARKET}MsgUpdateOffering`,
      payload: { provider: e.provider, id: { $chainId: ref }, state },
    };
  },

  /** The offering's plans or prices changed: MsgUpdateOffering replaces them (orders made keep their price). */
  offeringPlansChanged(e: { offeringUuid: string; provider: string; plans: OfferingCreated["plans"] }): OutboxRecord {
    const ref = uuid(e.offeringUuid, "offeringUuid");
    if (e.plans.length === 0) throw new ChainRecordError("an offering needs at least one plan");
    return {
      kind: "offering.plans",
      ref,
      signer: address(e.provider, "provider"),
      typeUrl: `${MARKET}MsgUpdateOffering`,
      payload: { provider: e.provider, id: { $chainId: ref }, plans: planPayload(e.plans) },
    };
  },

  orderCreated(e: OrderCreated): OutboxRecord {
    const ref = uuid(e.orderUuid, "orderUuid");
    return {
      kind: "order.created",
      ref,
      signer: address(e.customer, "customer"),
      typeUrl: `${MARKET}MsgCreateOrder`,
      payload: {
        customer: e.customer,
        offeringId: chainId(e.offering, "offering"),
        plan: name(e.plan, "plan"),
        limits: (e.limits ?? []).map((l) => ({ component: name(l.component, "component"), amount: int(l.amount, "limit amount") })),
        detailsHash: hash(e.detailsHash, "detailsHash"),
        detailsKey: objectKey(e.detailsKey, "detailsKey"),
        deposit: uve(e.depositUve, "depositUve"),
        maxPrice: { denom: DENOM, amount: "0" },
      },
    };
  },
  orderApproved: (e: { orderUuid: string; provider: string }) => orderMsg("order.approved", "MsgApproveOrder", e.orderUuid, "provider", e.provider),
  orderRejected: (e: { orderUuid: string; provider: string }) => orderMsg("order.rejected", "MsgRejectOrder", e.orderUuid, "provider", e.provider),
  orderCanceled: (e: { orderUuid: string; customer: string }) => orderMsg("order.canceled", "MsgCancelOrder", e.orderUuid, "customer", e.customer),
  orderDone: (e: { orderUuid: string; provider: string }) =>
    orderMsg("order.done", "MsgSetOrderState", e.orderUuid, "provider", e.provider, { state: OrderState.DONE }),
  orderErred: (e: { orderUuid: string; provider: string }) =>
    orderMsg("order.erred", "MsgSetOrderState", e.orderUuid, "provider", e.provider, { state: OrderState.ERRED }),
  /** The resource of an order was terminated: its lease is closed by the customer or the provider (`by`). */
  resourceTerminated: (e: { orderUuid: string; by: string }) => orderMsg("resource.terminated", "MsgCloseLease", e.orderUuid, "sender", e.by),
  usageReported(e: { orderUuid: string; provider: string; component: string; amount: Int; periodStart: Int; periodEnd: Int }): OutboxRecord {
    const start = BigInt(int(e.periodStart, "periodStart", MAX_I64));
    const end = BigInt(int(e.periodEnd, "periodEnd", MAX_I64));
    if (end < start) throw new ChainRecordError("periodEnd is before periodStart");
    return orderMsg("usage.reported", "MsgPostUsage", e.orderUuid, "provider", e.provider, {
      component: name(e.component, "component"),
      amount: int(e.amount, "amount"),
      periodStart: start.toString(),
      periodEnd: end.toString(),
    });
  },
  /**
   * A provider's bid on an open order (x/market MsgCreateBid): the order's chain id or { ref:
   * orderUuid } (sent once that order is on chain), the provider's address, the price per block
   * and the escrow deposit as positive integer uve. `bidUuid` orders the bid's records (placed,
   * then closed) without tying them to the order's other records.
   */
  bidPlaced(e: { bidUuid: string; order: ChainIdRef; provider: string; priceUve: Int; depositUve: Int }): OutboxRecord {
    const price = uve(e.priceUve, "priceUve");
    const deposit = uve(e.depositUve, "depositUve");
    if (price.amount === "0") throw new ChainRecordError("priceUve must be positive");
    if (deposit.amount === "0") throw new ChainRecordError("depositUve must be positive");
    return {
      kind: "bid.placed",
      ref: uuid(e.bidUuid, "bidUuid"),
      signer: address(e.provider, "provider"),
      typeUrl: `${MARKET}MsgCreateBid`,
      payload: { provider: e.provider, orderId: chainId(e.order, "order"), price, deposit },
    };
  },
  /** The provider withdrew its open bid (x/market MsgCloseBid; the deposit is refunded). */
  bidClosed(e: { bidUuid: string; order: ChainIdRef; provider: string }): OutboxRecord {
    return {
      kind: "bid.closed",
      ref: uuid(e.bidUuid, "bidUuid"),
      signer: address(e.provider, "provider"),
      typeUrl: `${MARKET}MsgCloseBid`,
      payload: { provider: e.provider, orderId: chainId(e.order, "order") },
    };
  },
  /**
   * Identity scope evidence committed to x/veid (MsgSubmitScope): the salted content hash, the
   * opaque R2 key of the sealed evidence and the validator keys it is sealed to; nothing else.
   */
  scopeSubmitted(e: {
    owner: string;
    scopeUuid: string;
    scopeType: "email" | "sms" | "sso" | "totp" | "domain" | "id_document" | "selfie";
    objectKey: string;
    contentHash: Uint8Array | string;
    sealedTo: { validator: string; keyVersion: number }[];
    /** Unix seconds after which validators may drop the evidence. */
    expiresAt: Int;
  }): OutboxRecord {
    const ref = uuid(e.scopeUuid, "scopeUuid");
    const types = { email: 1, sms: 2, sso: 3, totp: 4, domain: 5, id_document: 6, selfie: 7 } as const;
    const scopeType = types[e.scopeType];
    if (!scopeType) throw new ChainRecordError("scopeType is not a scope type");
    const key = objectKey(e.objectKey, "objectKey");
    if (!key) throw new ChainRecordError("objectKey is required");
    if (e.sealedTo.length === 0 || e.sealedTo.length > 64) throw new ChainRecordError("sealedTo must name 1..64 validator keys");
    const seen = new Set<string>();
    const sealedTo = e.sealedTo.map((s) => {
      try {
        if (fromBech32(s.validator, 90).prefix !== `${BECH32_PREFIX}valoper`) throw new Error("prefix");
      } catch {
        throw new ChainRecordError(`sealedTo validator must be a ${BECH32_PREFIX}valoper1… address`);
      }
      if (seen.has(s.validator)) throw new ChainRecordError("sealedTo names a validator twice");
      seen.add(s.validator);
      if (!Number.isInteger(s.keyVersion) || s.keyVersion < 1 || s.keyVersion > 0xffffffff) throw new ChainRecordError("sealedTo keyVersion must be a positive uint32");
      return { validator: s.validator, keyVersion: s.keyVersion };
    });
    const expiresAt = int(e.expiresAt, "expiresAt", MAX_I64);
    if (expiresAt === "0") throw new ChainRecordError("expiresAt must be positive");
    return {
      kind: "identity.scope_submitted",
      ref,
      signer: address(e.owner, "owner"),
      typeUrl: "/virtengine.veid.v1.MsgSubmitScope",
      payload: { owner: e.owner, scopeId: ref, scopeType, objectKey: key, contentHash: hash(e.contentHash, "contentHash"), sealedTo, expiresAt },
    };
  },
  /** A user's X25519 public key (x/roles), version strictly increasing per owner. */
  encryptionKeyRegistered(e: { owner: string; publicKey: Uint8Array; version: number }): OutboxRecord {
    if (e.publicKey.length !== 32) throw new ChainRecordError("publicKey must be 32 bytes (X25519)");
    if (!Number.isInteger(e.version) || e.version < 1 || e.version > 0xffffffff) throw new ChainRecordError("version must be a positive uint32");
    return {
      kind: "key.registered",
      ref: null,
      signer: address(e.owner, "owner"),
      typeUrl: "/virtengine.roles.v1.MsgRegisterEncryptionKey",
      payload: { owner: e.owner, publicKey: { $b64: toBase64(e.publicKey) }, version: e.version },
    };
  },
};

/** JSON payload → Msg value for the codec's fromPartial (bytes decoded, chain ids resolved). */
export function payloadToValue(payload: unknown, resolve: (ref: string) => string): unknown {
  if (Array.isArray(payload)) return payload.map((x) => payloadToValue(x, resolve));
  if (payload && typeof payload === "object") {
    const o = payload as Record<string, unknown>;
    if (typeof o.$b64 === "string") return fromBase64(o.$b64);
    if (typeof o.$chainId === "string") return BigInt(resolve(o.$chainId));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = payloadToValue(v, resolve);
    return out;
  }
  return payload;
}

/** The refs a payload's `$chainId` placeholders point to. */
export function payloadRefs(payload: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(payload)) for (const x of payload) payloadRefs(x, into);
  else if (payload && typeof payload === "object") {
    const o = payload as Record<string, unknown>;
    if (typeof o.$chainId === "string") into.add(o.$chainId);
    else for (const v of Object.values(o)) payloadRefs(v, into);
  }
  return into;
}
