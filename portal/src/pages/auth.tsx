// Log in and sign up, with the API's rules checked first and its answers shown by field.
import { useState } from "preact/hooks";
import { logIn, signUp } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { navigate, useLocation } from "../lib/router.ts";
import { check, emailOk, filled, REQUIRED, usernameOk } from "../lib/validate.ts";
import { Checkbox, FormErrors, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { SsoLoginButtons } from "./identity/sso.tsx";

const safeNext = (next: string | null) =>
  next?.startsWith("/") && !next.startsWith("//") ? next : "/dashboard";

export function Login() {
  const loc = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const form = useForm();
  const submit = (e: Event) => {
    e.preventDefault();
    const local = check({
      username: [[filled(username), REQUIRED]],
      password: [[filled(password), REQUIRED]],
    });
    if (Object.keys(local).length) return form.setFields(local);
    void form.run(async () => {
      await logIn(username, password, remember);
      navigate(safeNext(loc.query.get("next")));
    }, ["username", "password"]);
  };
  return (
    <section class="narrow">
      <h1>{s.auth.loginTitle}</h1>
      <form onSubmit={submit} noValidate>
        <TextField
          label={s.auth.username}
          name="username"
          autoComplete="username"
          value={username}
          onValue={setUsername}
          errors={form.fields.username}
          required
        />
        <TextField
          label={s.auth.password}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          errors={form.fields.password}
          required
        />
        <Checkbox label={s.auth.remember} name="remember" checked={remember} onValue={setRemember} />
        <FormErrors messages={form.general} />
        <button type="submit" class="primary" disabled={form.busy}>
          {s.auth.submitLogin}
        </button>
      </form>
      <SsoLoginButtons next={safeNext(loc.query.get("next"))} remember={remember} />
      <p>
        <a href="/signup">{s.auth.noAccount}</a>
      </p>
      <p>
        <a href="/wallet">{s.wallet.link}</a>
      </p>
    </section>
  );
}

export function Signup() {
  const [f, setF] = useState({ username: "", email: "", password: "", first_name: "", last_name: "" });
  const form = useForm();
  const field = (k: keyof typeof f) => ({
    name: k,
    value: f[k],
    onValue: (v: string) => setF({ ...f, [k]: v }),
    errors: form.fields[k],
  });
  const submit = (e: Event) => {
    e.preventDefault();
    const local = check({
      username: [
        [filled(f.username), REQUIRED],
        [usernameOk(f.username), "Enter a valid username."],
      ],
      email: [
        [filled(f.email), REQUIRED],
        [emailOk(f.email), "Enter a valid email address."],
      ],
      password: [
        [f.password.length >= 8, "This password is too short. It must contain at least 8 characters."],
      ],
    });
    if (Object.keys(local).length) return form.setFields(local);
    void form.run(async () => {
      await signUp(f);
      navigate("/dashboard");
    }, Object.keys(f));
  };
  return (
    <section class="narrow">
      <h1>{s.auth.signupTitle}</h1>
      <form onSubmit={submit} noValidate>
        <TextField label={s.auth.username} autoComplete="username" required {...field("username")} />
        <TextField label={s.auth.email} type="email" autoComplete="email" required {...field("email")} />
        <TextField
          label={s.auth.password}
          type="password"
          autoComplete="new-password"
          hint={s.auth.passwordHint}
          required
          {...field("password")}
        />
        <TextField label={s.auth.firstName} autoComplete="given-name" {...field("first_name")} />
        <TextField label={s.auth.lastName} autoComplete="family-name" {...field("last_name")} />
        <FormErrors messages={form.general} />
        <button type="submit" class="primary" disabled={form.busy}>
          {s.auth.submitSignup}
        </button>
      </form>
      <p>
        <a href="/login">{s.auth.haveAccount}</a>
      </p>
    </section>
  );
}
