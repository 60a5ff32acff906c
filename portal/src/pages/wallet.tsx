// Wallet accounts: create one (a 24-word recovery phrase made in this browser, shown once, then
// three of its words typed back), or sign in with an existing phrase. Either way the phrase stays
// in this page's memory only and is dropped when the page is left.
import { useState } from "preact/hooks";
import { get } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { uveToVe } from "../lib/money.ts";
import { navigate } from "../lib/router.ts";
import { Checkbox, FormErrors, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge } from "../ui/format.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

const loadWallet = () => import("../wallet/wallet.ts");

export function WalletPage() {
  const [mode, setMode] = useState<"restore" | "create">("restore");
  return (
    <section class="narrow">
      <h1>{s.wallet.title}</h1>
      <fieldset class="buttons plain-set">
        <legend class="sr-only">{s.wallet.title}</legend>
        <button type="button" aria-pressed={mode === "restore"} onClick={() => setMode("restore")}>
          {s.wallet.restoreTab}
        </button>
        <button type="button" aria-pressed={mode === "create"} onClick={() => setMode("create")}>
          {s.wallet.createTab}
        </button>
      </fieldset>
      {mode === "restore" ? <Restore /> : <Create />}
    </section>
  );
}

function Restore() {
  const [phrase, setPhrase] = useState("");
  const [remember, setRemember] = useState(false);
  const form = useForm();
  return (
    <form
      noValidate
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        void form.run(async () => {
          await (await loadWallet()).walletSignIn(phrase, remember);
          setPhrase("");
          navigate("/dashboard");
        }, ["mnemonic", "address", "signature", "pub_key", "nonce"]);
      }}
    >
      <TextArea
        label={s.wallet.phrase}
        name="mnemonic"
        rows={3}
        value={phrase}
        onValue={setPhrase}
        errors={[
          ...(form.fields.mnemonic ?? []),
          ...(form.fields.signature ?? []),
          ...(form.fields.address ?? []),
        ]}
        hint={s.wallet.phraseHint}
        required
      />
      <Checkbox label={s.auth.remember} name="wallet-remember" checked={remember} onValue={setRemember} />
      <FormErrors messages={form.general} />
      <button type="submit" class="primary" disabled={form.busy}>
        {s.wallet.signIn}
      </button>
    </form>
  );
}

function Create() {
  const [phrase, setPhrase] = useState<string | null>(null);
  const [positions, setPositions] = useState<number[]>([]);
  const [typed, setTyped] = useState<Record<number, string>>({});
  const [confirming, setConfirming] = useState(false);
  const form = useForm();
  if (!phrase) {
    return (
      <div>
        <p>{s.wallet.createIntro}</p>
        <FormErrors messages={form.general} />
        <button
          type="button"
          class="primary"
          onClick={() =>
            form.run(async () => {
              const w = await loadWallet();
              const m = w.newMnemonic();
              setPhrase(m);
              setPositions(w.confirmationPositions(m.split(" ").length));
            })
          }
        >
          {s.wallet.generate}
        </button>
      </div>
    );
  }
  const words = phrase.split(" ");
  if (!confirming) {
    return (
      <div>
        <Notice>{s.wallet.writeDown}</Notice>
        <ol class="phrase" data-testid="mnemonic">
          {words.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ol>
        <button type="button" class="primary" onClick={() => setConfirming(true)}>
          {s.wallet.wroteIt}
        </button>
      </div>
    );
  }
  return (
    <form
      noValidate
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        const wrong = positions.filter((p) => (typed[p] ?? "").trim().toLowerCase() !== words[p - 1]);
        if (wrong.length)
          return form.setFields(Object.fromEntries(wrong.map((p) => [`word${p}`, [s.wallet.wordWrong]])));
        void form.run(async () => {
          await (await loadWallet()).walletSignIn(phrase, false);
          setPhrase(null);
          navigate("/dashboard");
        });
      }}
    >
      <p>{s.wallet.confirmIntro}</p>
      {positions.map((p) => (
        <TextField
          key={p}
          label={s.wallet.word(p)}
          name={`word${p}`}
          autoComplete="off"
          value={typed[p] ?? ""}
          onValue={(v) => setTyped({ ...typed, [p]: v })}
          errors={form.fields[`word${p}`]}
        />
      ))}
      <FormErrors messages={form.general} />
      <div class="buttons">
        <button type="button" onClick={() => setConfirming(false)}>
          {s.wallet.showAgain}
        </button>
        <button type="submit" class="primary" disabled={form.busy}>
          {s.wallet.confirmAndSignIn}
        </button>
      </div>
    </form>
  );
}

interface EscrowAccount {
  account_id: string;
  order_id: string;
  order_uuid: string | null;
  state: string;
  balance: string;
  transferred: string;
}

interface Balance {
  address: string | null;
  balance: string | null;
  escrow: EscrowAccount[];
  escrow_total: string;
}

const Amount = ({ uve, testId }: { uve: string; testId?: string }) => (
  <span class="amount" title={`${uve} uve`} data-testid={testId}>
    {uveToVe(uve)}
  </span>
);

/** The signed-in user's VE: the linked address's bank balance and the escrow held for their orders. */
export function WalletBalance() {
  const bal = useAsync(() => get<Balance>("/api/wallet/balance/"), []);
  return (
    <section>
      <h1>{s.wallet.balanceTitle}</h1>
      <p>{s.wallet.balanceIntro}</p>
      <AsyncView a={bal}>
        {(b) =>
          !b.address ? (
            <Empty>
              {s.wallet.noAddress} <a href="/wallet">{s.wallet.link}</a>
            </Empty>
          ) : (
            <>
              <dl class="facts">
                <div>
                  <dt>{s.wallet.address}</dt>
                  <dd>
                    <code data-testid="wallet-address">
                      {b.address}
                    </code>
                  </dd>
                </div>
                <div>
                  <dt>{s.wallet.available}</dt>
                  <dd class="figure">
                    <Amount uve={b.balance ?? "0"} testId="wallet-available" />
                  </dd>
                </div>
                <div>
                  <dt>{s.wallet.inEscrow}</dt>
                  <dd class="figure">
                    <Amount uve={b.escrow_total} testId="wallet-escrow" />
                  </dd>
                </div>
              </dl>
              {b.escrow.length ? (
                <table data-testid="escrow">
                  <caption>{s.wallet.escrowTitle}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{s.wallet.escrowAccount}</th>
                      <th scope="col">{s.wallet.order}</th>
                      <th scope="col">{s.wallet.escrowState}</th>
                      <th scope="col">{s.wallet.escrowBalance}</th>
                      <th scope="col">{s.wallet.escrowTransferred}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {b.escrow.map((e) => (
                      <tr key={e.account_id}>
                        <td data-label={s.wallet.escrowAccount}>{e.account_id}</td>
                        <td data-label={s.wallet.order}>
                          {e.order_uuid ? <a href={`/orders/${e.order_uuid}`}>{e.order_id}</a> : e.order_id}
                        </td>
                        <td data-label={s.wallet.escrowState}>
                          <StateBadge state={e.state} />
                        </td>
                        <td data-label={s.wallet.escrowBalance}>
                          <Amount uve={e.balance} />
                        </td>
                        <td data-label={s.wallet.escrowTransferred}>
                          <Amount uve={e.transferred} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <Empty>{s.wallet.escrowNone}</Empty>
              )}
              <button type="button" onClick={bal.reload}>
                {s.wallet.refresh}
              </button>
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
