// Chain roles and account states from the portal, against a real localnet: the genesis admin signs
// in the browser (its phrase never leaves the page) and the API relays the signed bytes unchanged.
// It nominates a Moderator, suspends an account whose next transaction the chain then refuses, and
// reactivates it. The relay's bad paths: who may call it, malformed or foreign transactions, and a
// wallet user relaying a Msg whose authority is not their own wallet.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBase64 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { MsgNominateRole, Role } from "../../src/bridge/chain/proto.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { Api, dbOf, login, userApi } from "../helpers/api.ts";
import { type Chain, linkWallet, startChain } from "../helpers/chain.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

const STAFF = { username: "rolesadmin", password: "roles-staff-pass-1" };
let chain: Chain;
let stopChain: () => Promise<void>;
let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  const started = await startChain();
  chain = started.chain;
  stopChain = started.stop;
  // Only the RPC: this test needs no bridge account (the Msgs are the admin's own).
  host = await startWorkerHost({ portal: true, vars: { VE_CHAIN_RPC: chain.rpcUrl, VE_CHAIN_PREFIX: chain.prefix } });
  await ensureStaff(dbOf(host), STAFF);
  browser = await launch(host.url);
});

after(async () => {
  await browser?.close();
  await host?.dispose();
  await stopChain?.();
});

const acct = (name: string) => {
  const a = chain.accounts[name];
  if (!a) throw new Error(`no localnet account ${name}`);
  return a;
};
const FEE = { amount: [{ denom: "uve", amount: "0" }], gas: "200000" };

/** A tx signed offline by a localnet account, as TxRaw bytes in base64. */
async function signed(name: string, msgs: { typeUrl: string; value: unknown }[]): Promise<string> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(acct(name).mnemonic, { prefix: chain.prefix });
  const registry = new Registry([...defaultRegistryTypes, [`/${MsgNominateRole.$type}`, MsgNominateRole as unknown as GeneratedType]]);
  const client = await SigningStargateClient.offline(wallet, { registry });
  const raw = await client.sign(acct(name).address, msgs, FEE, "", { accountNumber: 0n, sequence: 0, chainId: "x" });
  return toBase64(TxRaw.encode(raw).finish());
}

/** customer2 sends 1 uve to customer1 straight to the node: the chain alone decides. */
async function customer2Sends(): Promise<{ ok: boolean; log: string }> {
  const c = await chain.clientFor("customer2");
  try {
    const r = await c.sendTokens(acct("customer2").address, acct("customer1").address, [{ denom: "uve", amount: "1" }], FEE);
    return { ok: r.code === 0, log: r.rawLog ?? "" };
  } catch (e) {
    return { ok: false, log: (e as Error).message };
  } finally {
    c.disconnect();
  }
}

test("the chain relay refuses callers and transactions it must not relay, naming the field", { timeout: 120_000 }, async () => {
  const anon = new Api(host);
  assert.equal((await anon.get("/api/chain/info/")).status, 401);
  assert.equal((await anon.post("/api/chain/broadcast/", { tx_bytes: "AA==" })).status, 401);
  const plain = await userApi(host);
  assert.equal((await plain.get("/api/chain/info/")).status, 403);
  assert.equal((await plain.post("/api/chain/broadcast/", { tx_bytes: "AA==" })).status, 403);

  const staff = await login(host, STAFF.username, STAFF.password);
  const info = await staff.expect(200, staff.get("/api/chain/info/"));
  assert.equal(info.prefix, chain.prefix);
  assert.ok(info.chain_id.length > 0);
  const bad = async (body: unknown) => {
    const r = await staff.post("/api/chain/broadcast/", body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ["tx_bytes"], JSON.stringify(r.body));
    return r.body.tx_bytes[0] as string;
  };
  assert.match(await bad({}), /required/);
  assert.match(await bad({ tx_bytes: "" }), /blank/);
  assert.match(await bad({ tx_bytes: "not base64!" }), /base64/);
  assert.match(await bad({ tx_bytes: toBase64(new TextEncoder().encode("garbage")) }), /Not a protobuf-encoded TxRaw/);
  assert.match(await bad({ tx_bytes: "A".repeat(30_000) }), /at most 16384 bytes/);
  const send = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: { fromAddress: acct("customer1").address, toAddress: acct("customer2").address, amount: [{ denom: "uve", amount: "1" }] },
  };
  assert.match(await bad({ tx_bytes: await signed("customer1", [send]) }), /MsgSend is not relayed here/);
  const unsigned = TxRaw.encode(TxRaw.fromPartial({ bodyBytes: new Uint8Array([10, 0]), authInfoBytes: new Uint8Array([1]), signatures: [] })).finish();
  assert.match(await bad({ tx_bytes: toBase64(unsigned) }), /not signed/);

  assert.deepEqual((await staff.get("/api/chain/role-members/?role=NOPE")).body, {
    role: ["Select a valid choice. NOPE is not one of the available choices."],
  });
  const badAddr = await staff.get("/api/chain/accounts/cosmos1notours/");
  assert.equal(badAddr.status, 400);
  assert.deepEqual(Object.keys(badAddr.body), ["address"]);
  const genesis = await staff.expect(200, staff.get(`/api/chain/accounts/${acct("genesis-admin").address}/`));
  assert.deepEqual(genesis.roles.map((r: { role: string }) => r.role), ["GENESIS_ACCOUNT"]);
  assert.equal(genesis.state, "ACTIVE");
  assert.equal(genesis.exists, true);

  // A wallet user may relay only what their own wallet signed as authority.
  const walletUser = await userApi(host);
  await linkWallet(walletUser, acct("customer1"), chain.prefix);
  const nominate = {
    typeUrl: `/${MsgNominateRole.$type}`,
    value: MsgNominateRole.fromPartial({ authority: acct("genesis-admin").address, address: acct("customer1").address, role: Role.ADMINISTRATOR }),
  };
  const foreign = await walletUser.post("/api/chain/broadcast/", { tx_bytes: await signed("genesis-admin", [nominate]) });
  assert.equal(foreign.status, 400);
  assert.match(foreign.body.tx_bytes[0], /authority is your linked wallet/);
  // Nothing reached the chain.
  const c1 = await staff.expect(200, staff.get(`/api/chain/accounts/${acct("customer1").address}/`));
  assert.deepEqual(c1.roles.map((r: { role: string }) => r.role), ["CUSTOMER"]);
});

async function signChange(page: Page, mnemonic: string, action: string, address: string, extra: () => Promise<void>) {
  await page.getByLabel("Your recovery phrase").fill(mnemonic);
  await page.getByLabel("Action").selectOption(action);
  await page.getByLabel("Account address").fill(address);
  await extra();
  await page.getByRole("button", { name: "Sign and send" }).click();
}

test("genesis admin nominates a Moderator, suspends an account (its next tx is refused), reactivates it", { timeout: 240_000 }, async () => {
  const { page } = await browser.person();
  const target = acct("customer2").address;
  await step(page, "staff opens chain roles", async () => {
    await logIn(page, STAFF.username, STAFF.password);
    await page.getByRole("link", { name: "Chain roles" }).click();
    await page.getByRole("heading", { name: "Chain roles and account states" }).waitFor();
    await page.getByText("Nobody holds this role.").waitFor();
    await assertAccessible(page, "chain roles");
  });

  await step(page, "a phrase without the rank is refused by the chain, shown on the form", async () => {
    await signChange(page, acct("customer1").mnemonic, "nominate", target, async () => {
      await page.getByLabel("Role", { exact: true }).selectOption("MODERATOR");
    });
    await page.getByRole("alert").filter({ hasText: /cannot nominate/ }).waitFor({ timeout: 60_000 });
  });

  await step(page, "the genesis admin nominates customer2 as Moderator", async () => {
    await signChange(page, acct("genesis-admin").mnemonic, "nominate", target, async () => {
      await page.getByLabel("Role", { exact: true }).selectOption("MODERATOR");
    });
    await page.getByRole("status").filter({ hasText: /Done in block \d+/ }).waitFor({ timeout: 60_000 });
    await page.getByRole("cell", { name: target }).waitFor();
    const roles = (await page.getByTestId("account-roles").textContent()) ?? "";
    assert.match(roles, /Moderator/);
    assert.match(roles, /Customer/);
  });

  assert.equal((await customer2Sends()).ok, true, "an active account's tx goes through");

  await step(page, "suspending needs a reason, then the chain marks the account suspended", async () => {
    await signChange(page, acct("genesis-admin").mnemonic, "suspend", target, async () => {});
    await page.getByText("Say why the account is suspended.").waitFor();
    await page.getByLabel("Reason").fill("abuse report 42");
    await page.getByRole("button", { name: "Sign and send" }).click();
    await page.getByRole("status").filter({ hasText: /Done in block/ }).waitFor({ timeout: 60_000 });
    await page.getByTestId("account-state").filter({ hasText: "Suspended" }).waitFor();
    await page.getByText("abuse report 42").waitFor();
  });

  const refused = await customer2Sends();
  assert.equal(refused.ok, false, "the suspended account's tx must be refused");
  assert.match(refused.log, /suspend/i);

  await step(page, "reactivation lets the account transact again", async () => {
    await signChange(page, acct("genesis-admin").mnemonic, "reactivate", target, async () => {});
    await page.getByRole("status").filter({ hasText: /Done in block/ }).waitFor({ timeout: 60_000 });
    await page.getByTestId("account-state").filter({ hasText: "Active" }).waitFor();
  });
  assert.equal((await customer2Sends()).ok, true, "reactivated account transacts");

  await step(page, "chain roles at a phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole("heading", { name: "Chain roles and account states" }).waitFor();
    await page.getByLabel("Holders of").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, "chain roles scroll sideways at 390 px");
  });
});
