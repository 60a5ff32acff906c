// Our generated codecs against the chain's own Go types: a tx holding every bridge Msg is
// encoded here and decoded by `virtengined tx decode` (which fails on unknown type URLs and
// prints the fields by their proto names), then decoded back here.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { before, test } from "node:test";
import { promisify } from "node:util";
import { toBase64 } from "@cosmjs/encoding";
import { makeAuthInfoBytes } from "@cosmjs/proto-signing";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { makeRegistry, MsgCreateOrder, MsgPostUsage, MsgRegisterEncryptionKey, OrderState, typeUrlOf } from "../../src/bridge/chain/index.ts";

const run = promisify(execFile);
const BIN = path.join(ROOT, "chain/build/virtengined");

before(async () => {
  // Cached by Go after the first build; builds it if this is a fresh checkout.
  await run("go", ["build", "-o", BIN, "./cmd/virtengined"], { cwd: path.join(ROOT, "chain"), timeout: 15 * 60_000 });
});

const A = "virtengine1tr7u5lqrwu80nqa5f4yuvwmkrqrt386r2yryne";
const B = "virtengine1cxfemw84eah7emwp7r0szgy33ygznnmuzlphr2";

test("every bridge Msg decodes in virtengined with the same field values", async () => {
  const registry = makeRegistry();
  const msgs = [
    {
      typeUrl: typeUrlOf(MsgCreateOrder),
      value: MsgCreateOrder.fromPartial({
        customer: B,
        offeringId: 7n,
        plan: "small",
        limits: [{ component: "cores", amount: 2n }],
        detailsHash: new Uint8Array(32).fill(1),
        detailsKey: "orders/x",
        maxPrice: { denom: "uve", amount: "0" },
        deposit: { denom: "uve", amount: "5000000" },
        category: "vm",
      }),
    },
    { typeUrl: "/virtengine.market.v1.MsgApproveOrder", value: { provider: A, orderId: 9n } },
    { typeUrl: "/virtengine.market.v1.MsgRejectOrder", value: { provider: A, orderId: 9n } },
    { typeUrl: "/virtengine.market.v1.MsgCancelOrder", value: { customer: B, orderId: 9n } },
    { typeUrl: "/virtengine.market.v1.MsgSetOrderState", value: { provider: A, orderId: 9n, state: OrderState.ERRED } },
    { typeUrl: "/virtengine.market.v1.MsgCloseLease", value: { sender: B, orderId: 9n } },
    {
      typeUrl: typeUrlOf(MsgPostUsage),
      value: { provider: A, orderId: 9n, component: "gpu_hours", amount: 3n, periodStart: -5n, periodEnd: 1_700_000_000n },
    },
    {
      typeUrl: "/virtengine.market.v1.MsgCreateOffering",
      value: {
        provider: A,
        category: "vm",
        offeringType: "t",
        plans: [{ name: "p", components: [{ component: "c", billing: 2, price: { denom: "uve", amount: "10" } }] }],
        requiredIdentityScore: 40,
        descriptionHash: new Uint8Array(32).fill(2),
        descriptionKey: "k",
      },
    },
    { typeUrl: typeUrlOf(MsgRegisterEncryptionKey), value: { owner: B, publicKey: new Uint8Array(32).fill(3), version: 4 } },
  ];
  const body = TxBody.fromPartial({ messages: msgs.map((m) => registry.encodeAsAny(m)), memo: "ve-outbox:test" });
  const bodyBytes = TxBody.encode(body).finish();
  const authInfoBytes = makeAuthInfoBytes([], [], 200000, undefined, undefined);
  const raw = TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes, signatures: [] })).finish();
  const { stdout } = await run(BIN, ["tx", "decode", toBase64(raw), "--output", "json"], { env: { ...process.env, HOME: "/tmp" } });
  const decoded = JSON.parse(stdout) as { body: { messages: Record<string, unknown>[]; memo: string } };
  const m = decoded.body.messages;
  assert.equal(decoded.body.memo, "ve-outbox:test");
  assert.deepEqual(
    m.map((x) => x["@type"]),
    msgs.map((x) => x.typeUrl),
  );
  assert.deepEqual(m[0], {
    "@type": "/virtengine.market.v1.MsgCreateOrder",
    customer: B,
    offering_id: "7",
    plan: "small",
    limits: [{ component: "cores", amount: "2" }],
    details_hash: toBase64(new Uint8Array(32).fill(1)),
    details_key: "orders/x",
    max_price: { denom: "uve", amount: "0" },
    deposit: { denom: "uve", amount: "5000000" },
    category: "vm",
  });
  assert.equal(m[4]?.state, "ORDER_STATE_ERRED");
  assert.deepEqual(m[6], {
    "@type": "/virtengine.market.v1.MsgPostUsage",
    provider: A,
    order_id: "9",
    component: "gpu_hours",
    amount: "3",
    period_start: "-5",
    period_end: "1700000000",
  });
  const off = m[7] as { plans: { components: { billing: string; price: unknown }[] }[]; required_identity_score: number };
  assert.equal(off.plans[0]?.components[0]?.billing, "BILLING_TYPE_USAGE");
  assert.equal(off.required_identity_score, 40);
  assert.deepEqual(m[8], { "@type": "/virtengine.roles.v1.MsgRegisterEncryptionKey", owner: B, public_key: toBase64(new Uint8Array(32).fill(3)), version: 4 });

  // And back: our decoders read what we wrote.
  const back = TxBody.decode(bodyBytes).messages.map((a) => registry.decode(a));
  assert.equal(back[0].offeringId, 7n);
  assert.equal(back[6].periodStart, -5n);
  assert.equal(back[7].plans[0].components[0].price.amount, "10");
});
