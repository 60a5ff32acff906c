// Hand-written protobuf codecs for the VirtEngine chain messages the bridge sends and the
// queries it reads back. Field numbers and type URLs follow chain/proto/virtengine/{market,roles}/v1
// exactly (test/chain/proto.test.ts checks them against the .proto files). Each codec is a cosmjs
// GeneratedType (encode/decode/fromPartial) so it can go into a proto-signing Registry.
// uint64/int64 fields are bigint, as in cosmjs-types.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";

// ---------------------------------------------------------------- codec helpers

type FieldKind = "string" | "bytes" | "uint64" | "int64" | "uint32" | "bool" | "enum";

interface ScalarField {
  no: number;
  name: string;
  kind: FieldKind;
}
interface MessageField {
  no: number;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: a codec of any message type
  msg: Codec<any>;
  repeated?: boolean;
  /** gogoproto non-nullable: always written (even when empty), decoded to a default. */
  required?: boolean;
}
type Field = ScalarField | MessageField;

export interface Codec<T> {
  readonly typeUrl?: string;
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: DeepPartial<T>): T;
}

export type DeepPartial<T> = T extends bigint | string | number | boolean | Uint8Array
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

const WIRE: Record<FieldKind, number> = { string: 2, bytes: 2, uint64: 0, int64: 0, uint32: 0, bool: 0, enum: 0 };

function scalarDefault(kind: FieldKind): unknown {
  switch (kind) {
    case "string":
      return "";
    case "bytes":
      return new Uint8Array();
    case "uint64":
    case "int64":
      return 0n;
    case "bool":
      return false;
    default:
      return 0;
  }
}

function isDefault(kind: FieldKind, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (kind === "bytes") return (v as Uint8Array).length === 0;
  if (kind === "uint64" || kind === "int64") return BigInt(v as bigint) === 0n;
  return v === scalarDefault(kind);
}

function writeScalar(w: BinaryWriter, f: ScalarField, v: unknown): void {
  w.uint32((f.no << 3) | WIRE[f.kind]);
  switch (f.kind) {
    case "string":
      w.string(v as string);
      break;
    case "bytes":
      w.bytes(v as Uint8Array);
      break;
    case "uint64":
      w.uint64(BigInt(v as bigint));
      break;
    case "int64":
      w.int64(BigInt(v as bigint));
      break;
    case "bool":
      w.bool(v as boolean);
      break;
    case "enum":
      w.int32(v as number);
      break;
    default:
      w.uint32(v as number);
  }
}

function readScalar(r: BinaryReader, kind: FieldKind): unknown {
  switch (kind) {
    case "string":
      return r.string();
    case "bytes":
      return r.bytes();
    case "uint64":
      return r.uint64();
    case "int64":
      return r.int64();
    case "bool":
      return r.bool();
    case "enum":
      return r.int32();
    default:
      return r.uint32();
  }
}

const isMessageField = (f: Field): f is MessageField => "msg" in f;

/** Builds a codec from a field list (proto3 semantics: default scalars are not written). */
export function message<T extends object>(fields: Field[], typeUrl?: string): Codec<T> {
  const codec: Codec<T> = {
    typeUrl,
    encode(m: T, writer = BinaryWriter.create()) {
      const rec = m as Record<string, unknown>;
      for (const f of fields) {
        const v = rec[f.name];
        if (isMessageField(f)) {
          const list = f.repeated ? ((v as unknown[]) ?? []) : v === undefined || v === null ? (f.required ? [f.msg.fromPartial({})] : []) : [v];
          for (const item of list) f.msg.encode(item, writer.uint32((f.no << 3) | 2).fork()).ldelim();
        } else if (!isDefault(f.kind, v)) {
          writeScalar(writer, f, v);
        }
      }
      return writer;
    },
    decode(input, length) {
      const r = input instanceof BinaryReader ? input : new BinaryReader(input);
      const end = length === undefined ? r.len : r.pos + length;
      const out = codec.fromPartial({} as DeepPartial<T>) as Record<string, unknown>;
      while (r.pos < end) {
        const tag = r.uint32();
        const f = fields.find((x) => x.no === tag >>> 3);
        if (!f) {
          r.skipType(tag & 7);
          continue;
        }
        if (isMessageField(f)) {
          const v = f.msg.decode(r, r.uint32());
          if (f.repeated) (out[f.name] as unknown[]).push(v);
          else out[f.name] = v;
        } else {
          out[f.name] = readScalar(r, f.kind);
        }
      }
      return out as T;
    },
    fromPartial(object) {
      const src = (object ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = src[f.name];
        if (isMessageField(f)) {
          if (f.repeated) out[f.name] = ((v as unknown[]) ?? []).map((x) => f.msg.fromPartial(x as never));
          else if (v !== undefined && v !== null) out[f.name] = f.msg.fromPartial(v as never);
          else out[f.name] = f.required ? f.msg.fromPartial({}) : undefined;
        } else if (v === undefined || v === null) {
          out[f.name] = scalarDefault(f.kind);
        } else if (f.kind === "uint64" || f.kind === "int64") {
          out[f.name] = BigInt(v as bigint);
        } else {
          out[f.name] = v;
        }
      }
      return out as T;
    },
  };
  return codec;
}

const s = (no: number, name: string): ScalarField => ({ no, name, kind: "string" });
const b = (no: number, name: string): ScalarField => ({ no, name, kind: "bytes" });
const u64 = (no: number, name: string): ScalarField => ({ no, name, kind: "uint64" });
const i64 = (no: number, name: string): ScalarField => ({ no, name, kind: "int64" });
const u32 = (no: number, name: string): ScalarField => ({ no, name, kind: "uint32" });
const en = (no: number, name: string): ScalarField => ({ no, name, kind: "enum" });
const coin = (no: number, name: string, required = true): MessageField => ({ no, name, msg: Coin as Codec<Coin>, required });

export type { Coin };

// ---------------------------------------------------------------- enums (virtengine/market/v1/market.proto)

export const OrderState = {
  UNSPECIFIED: 0,
  PENDING_PROVIDER: 1,
  OPEN: 2,
  EXECUTING: 3,
  DONE: 4,
  ERRED: 5,
  CANCELED: 6,
  REJECTED: 7,
} as const;
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

export const LeaseState = { UNSPECIFIED: 0, ACTIVE: 1, INSUFFICIENT_FUNDS: 2, CLOSED: 3 } as const;
export const BillingType = { UNSPECIFIED: 0, FIXED: 1, USAGE: 2 } as const;
export const OfferingState = { UNSPECIFIED: 0, ACTIVE: 1, PAUSED: 2, ARCHIVED: 3 } as const;

// ---------------------------------------------------------------- market types

export interface Attribute {
  key: string;
  value: string;
}
export const Attribute = message<Attribute>([s(1, "key"), s(2, "value")]);

export interface ComponentLimit {
  component: string;
  amount: bigint;
}
export const ComponentLimit = message<ComponentLimit>([s(1, "component"), u64(2, "amount")]);

export interface PriceComponent {
  component: string;
  billing: number;
  price: Coin;
}
export const PriceComponent = message<PriceComponent>([s(1, "component"), en(2, "billing"), coin(3, "price")]);

export interface Plan {
  name: string;
  components: PriceComponent[];
}
export const Plan = message<Plan>([s(1, "name"), { no: 2, name: "components", msg: PriceComponent, repeated: true }]);

export interface Order {
  id: bigint;
  customer: string;
  offeringId: bigint;
  plan: string;
  limits: ComponentLimit[];
  state: number;
  detailsHash: Uint8Array;
  detailsKey: string;
  maxPrice: Coin;
  escrowAccount: string;
  bidCount: number;
  category: string;
  createdAt: bigint;
}
export const Order = message<Order>([
  u64(1, "id"),
  s(2, "customer"),
  u64(3, "offeringId"),
  s(4, "plan"),
  { no: 5, name: "limits", msg: ComponentLimit, repeated: true },
  en(6, "state"),
  b(7, "detailsHash"),
  s(8, "detailsKey"),
  coin(9, "maxPrice"),
  s(10, "escrowAccount"),
  u32(11, "bidCount"),
  s(12, "category"),
  i64(13, "createdAt"),
]);

export interface Lease {
  orderId: bigint;
  customer: string;
  provider: string;
  price: Coin;
  state: number;
  closeReason: number;
  createdAt: bigint;
  closedAt: bigint;
}
export const Lease = message<Lease>([
  u64(1, "orderId"),
  s(2, "customer"),
  s(3, "provider"),
  coin(4, "price"),
  en(5, "state"),
  en(6, "closeReason"),
  i64(7, "createdAt"),
  i64(8, "closedAt"),
]);

export interface UsageRecord {
  orderId: bigint;
  seq: bigint;
  component: string;
  amount: bigint;
  periodStart: bigint;
  periodEnd: bigint;
  cost: Coin;
  postedAt: bigint;
}
export const UsageRecord = message<UsageRecord>([
  u64(1, "orderId"),
  u64(2, "seq"),
  s(3, "component"),
  u64(4, "amount"),
  i64(5, "periodStart"),
  i64(6, "periodEnd"),
  coin(7, "cost"),
  i64(8, "postedAt"),
]);

export interface Offering {
  id: bigint;
  provider: string;
  category: string;
  offeringType: string;
  plans: Plan[];
  requiredIdentityScore: number;
  descriptionHash: Uint8Array;
  descriptionKey: string;
  state: number;
  createdAt: bigint;
}
export const Offering = message<Offering>([
  u64(1, "id"),
  s(2, "provider"),
  s(3, "category"),
  s(4, "offeringType"),
  { no: 5, name: "plans", msg: Plan, repeated: true },
  u32(6, "requiredIdentityScore"),
  b(7, "descriptionHash"),
  s(8, "descriptionKey"),
  en(9, "state"),
  i64(10, "createdAt"),
]);

// ---------------------------------------------------------------- market Msgs (virtengine/market/v1/tx.proto)

const M = "/virtengine.market.v1.";

export interface MsgUpsertProvider {
  owner: string;
  name: string;
  hostUri: string;
  attributes: Attribute[];
  infoHash: Uint8Array;
  infoKey: string;
}
export const MsgUpsertProvider = message<MsgUpsertProvider>(
  [s(1, "owner"), s(2, "name"), s(3, "hostUri"), { no: 4, name: "attributes", msg: Attribute, repeated: true }, b(5, "infoHash"), s(6, "infoKey")],
  `${M}MsgUpsertProvider`,
);

export interface MsgCreateOffering {
  provider: string;
  category: string;
  offeringType: string;
  plans: Plan[];
  requiredIdentityScore: number;
  descriptionHash: Uint8Array;
  descriptionKey: string;
}
export const MsgCreateOffering = message<MsgCreateOffering>(
  [
    s(1, "provider"),
    s(2, "category"),
    s(3, "offeringType"),
    { no: 4, name: "plans", msg: Plan, repeated: true },
    u32(5, "requiredIdentityScore"),
    b(6, "descriptionHash"),
    s(7, "descriptionKey"),
  ],
  `${M}MsgCreateOffering`,
);
export interface MsgUpdateOffering {
  provider: string;
  id: bigint;
  state: number;
  plans: Plan[];
  descriptionHash: Uint8Array;
  descriptionKey: string;
}
export const MsgUpdateOffering = message<MsgUpdateOffering>(
  [s(1, "provider"), u64(2, "id"), en(3, "state"), { no: 4, name: "plans", msg: Plan, repeated: true }, b(5, "descriptionHash"), s(6, "descriptionKey")],
  `${M}MsgUpdateOffering`,
);

export interface MsgCreateOfferingResponse {
  id: bigint;
}
export const MsgCreateOfferingResponse = message<MsgCreateOfferingResponse>([u64(1, "id")], `${M}MsgCreateOfferingResponse`);

export interface MsgCreateOrder {
  customer: string;
  offeringId: bigint;
  plan: string;
  limits: ComponentLimit[];
  detailsHash: Uint8Array;
  detailsKey: string;
  maxPrice: Coin;
  deposit: Coin;
  category: string;
}
export const MsgCreateOrder = message<MsgCreateOrder>(
  [
    s(1, "customer"),
    u64(2, "offeringId"),
    s(3, "plan"),
    { no: 4, name: "limits", msg: ComponentLimit, repeated: true },
    b(5, "detailsHash"),
    s(6, "detailsKey"),
    coin(7, "maxPrice"),
    coin(8, "deposit"),
    s(9, "category"),
  ],
  `${M}MsgCreateOrder`,
);
export interface MsgCreateOrderResponse {
  id: bigint;
}
export const MsgCreateOrderResponse = message<MsgCreateOrderResponse>([u64(1, "id")], `${M}MsgCreateOrderResponse`);

export interface MsgCancelOrder {
  customer: string;
  orderId: bigint;
}
export const MsgCancelOrder = message<MsgCancelOrder>([s(1, "customer"), u64(2, "orderId")], `${M}MsgCancelOrder`);

export interface MsgApproveOrder {
  provider: string;
  orderId: bigint;
}
export const MsgApproveOrder = message<MsgApproveOrder>([s(1, "provider"), u64(2, "orderId")], `${M}MsgApproveOrder`);

export interface MsgRejectOrder {
  provider: string;
  orderId: bigint;
}
export const MsgRejectOrder = message<MsgRejectOrder>([s(1, "provider"), u64(2, "orderId")], `${M}MsgRejectOrder`);

export interface MsgSetOrderState {
  provider: string;
  orderId: bigint;
  state: number;
}
export const MsgSetOrderState = message<MsgSetOrderState>([s(1, "provider"), u64(2, "orderId"), en(3, "state")], `${M}MsgSetOrderState`);

export interface MsgCloseLease {
  sender: string;
  orderId: bigint;
}
export const MsgCloseLease = message<MsgCloseLease>([s(1, "sender"), u64(2, "orderId")], `${M}MsgCloseLease`);

export interface MsgPostUsage {
  provider: string;
  orderId: bigint;
  component: string;
  amount: bigint;
  periodStart: bigint;
  periodEnd: bigint;
}
export const MsgPostUsage = message<MsgPostUsage>(
  [s(1, "provider"), u64(2, "orderId"), s(3, "component"), u64(4, "amount"), i64(5, "periodStart"), i64(6, "periodEnd")],
  `${M}MsgPostUsage`,
);
export interface MsgPostUsageResponse {
  seq: bigint;
}
export const MsgPostUsageResponse = message<MsgPostUsageResponse>([u64(1, "seq")], `${M}MsgPostUsageResponse`);

export const EmptyResponse = message<Record<string, never>>([]);

// ---------------------------------------------------------------- roles Msgs (virtengine/roles/v1/tx.proto)

export interface MsgRegisterEncryptionKey {
  owner: string;
  publicKey: Uint8Array;
  version: number;
}
export const MsgRegisterEncryptionKey = message<MsgRegisterEncryptionKey>(
  [s(1, "owner"), b(2, "publicKey"), u32(3, "version")],
  "/virtengine.roles.v1.MsgRegisterEncryptionKey",
);

/** Sent by a GenesisAccount or Administrator itself (setup, tests); not through the bridge. */
export interface MsgNominateRole {
  authority: string;
  address: string;
  role: number;
}
export const MsgNominateRole = message<MsgNominateRole>([s(1, "authority"), s(2, "address"), en(3, "role")], "/virtengine.roles.v1.MsgNominateRole");
export const ROLE_SERVICE_PROVIDER = 4;

export interface EncryptionKey {
  owner: string;
  publicKey: Uint8Array;
  version: number;
  registeredAtHeight: bigint;
}
export const EncryptionKey = message<EncryptionKey>([s(1, "owner"), b(2, "publicKey"), u32(3, "version"), i64(4, "registeredAtHeight")]);

// ---------------------------------------------------------------- market queries (virtengine/market/v1/query.proto)

export const QueryIdRequest = message<{ id: bigint }>([u64(1, "id")]);
export const QueryOrderIdRequest = message<{ orderId: bigint }>([u64(1, "orderId")]);
export const QueryOrderResponse = message<{ order: Order }>([{ no: 1, name: "order", msg: Order, required: true }]);
export const QueryOfferingResponse = message<{ offering: Offering }>([{ no: 1, name: "offering", msg: Offering, required: true }]);
export const QueryLeaseResponse = message<{ lease: Lease }>([{ no: 1, name: "lease", msg: Lease, required: true }]);
export const QueryUsageResponse = message<{ records: UsageRecord[] }>([{ no: 1, name: "records", msg: UsageRecord, repeated: true }]);

// ---------------------------------------------------------------- bids (virtengine/market/v1/{market,tx,query}.proto)

export const BidState = { UNSPECIFIED: 0, OPEN: 1, ACTIVE: 2, LOST: 3, CLOSED: 4 } as const;

export interface Bid {
  orderId: bigint;
  provider: string;
  price: Coin;
  deposit: Coin;
  state: number;
  createdAt: bigint;
}
export const Bid = message<Bid>([u64(1, "orderId"), s(2, "provider"), coin(3, "price"), coin(4, "deposit"), en(5, "state"), i64(6, "createdAt")]);

/** A provider's bid on an open order (price per block ≤ the order's max_price; deposit held in escrow). */
export interface MsgCreateBid {
  provider: string;
  orderId: bigint;
  price: Coin;
  deposit: Coin;
}
export const MsgCreateBid = message<MsgCreateBid>([s(1, "provider"), u64(2, "orderId"), coin(3, "price"), coin(4, "deposit")], `${M}MsgCreateBid`);

/** The provider withdraws its open bid (deposit refunded). */
export interface MsgCloseBid {
  provider: string;
  orderId: bigint;
}
export const MsgCloseBid = message<MsgCloseBid>([s(1, "provider"), u64(2, "orderId")], `${M}MsgCloseBid`);

export const QueryBidsResponse = message<{ bids: Bid[] }>([{ no: 1, name: "bids", msg: Bid, repeated: true }]);

/** Every Msg the bridge may send, by type URL (for the Registry and the outbox). */
export const bridgeMsgTypes = [
  MsgUpsertProvider,
  MsgCreateOffering,
  MsgUpdateOffering,
  MsgCreateOrder,
  MsgCancelOrder,
  MsgApproveOrder,
  MsgRejectOrder,
  MsgSetOrderState,
  MsgCloseLease,
  MsgPostUsage,
  MsgRegisterEncryptionKey,
  MsgCreateBid,
  MsgCloseBid,
] as const;

/** Response codecs for Msgs whose response carries something the outbox keeps. */
export const msgResponses: Record<string, Codec<{ id?: bigint; seq?: bigint }>> = {
  [`${M}MsgCreateOrder`]: MsgCreateOrderResponse,
  [`${M}MsgCreateOffering`]: MsgCreateOfferingResponse,
  [`${M}MsgPostUsage`]: MsgPostUsageResponse,
};
