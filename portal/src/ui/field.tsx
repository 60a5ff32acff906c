// Labelled form controls that show the API's field errors beside the field they belong to.
import type { ComponentChildren } from "preact";

let seq = 0;
const nextId = (name: string) => `f-${name.replace(/\W/g, "-")}-${++seq}`;

interface Common {
  label: string;
  name: string;
  errors?: string[] | undefined;
  hint?: string;
}

function Wrap({
  id,
  label,
  errors,
  hint,
  children,
}: {
  id: string;
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${errors?.length ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {errors?.map((e) => (
        <small key={e} id={`${id}-err`} class="field-error" role="alert">
          {e}
        </small>
      ))}
    </div>
  );
}

const describedBy = (id: string, errors?: string[], hint?: string) =>
  [hint ? `${id}-hint` : "", errors?.length ? `${id}-err` : ""].filter(Boolean).join(" ") || undefined;

interface InputOptions {
  type?: "text" | "email" | "password" | "number" | "url" | "search" | "date";
  autoComplete?: string;
  required?: boolean;
  inputMode?: "numeric" | "decimal" | "text";
  min?: number;
  max?: number | undefined;
  step?: number;
  placeholder?: string;
}

export function TextField(props: Common & InputOptions & { value: string; onValue: (v: string) => void }) {
  const { label, name, errors, hint, value, onValue, ...input } = props;
  const id = nextIdFor(name);
  return (
    <Wrap id={id} label={label} errors={errors} hint={hint}>
      <input
        // preact types each input type separately; the union is one element here
        type={(input.type ?? "text") as "text"}
        autoComplete={input.autoComplete}
        required={input.required}
        inputMode={input.inputMode}
        min={input.min}
        max={input.max}
        step={input.step}
        placeholder={input.placeholder}
        id={id}
        name={name}
        value={value}
        aria-invalid={errors?.length ? "true" : undefined}
        aria-describedby={describedBy(id, errors, hint)}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      />
    </Wrap>
  );
}

export function TextArea(
  props: Common & { value: string; onValue: (v: string) => void; rows?: number; required?: boolean },
) {
  const { label, name, errors, hint, value, onValue, rows = 4, required } = props;
  const id = nextIdFor(name);
  return (
    <Wrap id={id} label={label} errors={errors} hint={hint}>
      <textarea
        id={id}
        name={name}
        rows={rows}
        required={required}
        value={value}
        aria-invalid={errors?.length ? "true" : undefined}
        aria-describedby={describedBy(id, errors, hint)}
        onInput={(e) => onValue((e.target as HTMLTextAreaElement).value)}
      />
    </Wrap>
  );
}

export function SelectField(
  props: Common & {
    value: string;
    onValue: (v: string) => void;
    options: { value: string; label: string }[];
    required?: boolean;
  },
) {
  const { label, name, errors, hint, value, onValue, options, required } = props;
  const id = nextIdFor(name);
  return (
    <Wrap id={id} label={label} errors={errors} hint={hint}>
      <select
        id={id}
        name={name}
        value={value}
        required={required}
        aria-invalid={errors?.length ? "true" : undefined}
        aria-describedby={describedBy(id, errors, hint)}
        onChange={(e) => onValue((e.target as HTMLSelectElement).value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function Checkbox({
  label,
  name,
  checked,
  onValue,
  errors,
}: {
  label: string;
  name: string;
  checked: boolean;
  onValue: (v: boolean) => void;
  errors?: string[] | undefined;
}) {
  const id = nextIdFor(name);
  return (
    <div class={`field check${errors?.length ? " invalid" : ""}`}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        aria-invalid={errors?.length ? "true" : undefined}
        onChange={(e) => onValue((e.target as HTMLInputElement).checked)}
      />
      <label for={id}>{label}</label>
      {errors?.map((e) => (
        <small key={e} class="field-error" role="alert">
          {e}
        </small>
      ))}
    </div>
  );
}

// Ids stay stable across re-renders of the same field name within one mounted form.
const ids = new Map<string, string>();
function nextIdFor(name: string): string {
  let id = ids.get(name);
  if (!id) {
    id = nextId(name);
    ids.set(name, id);
  }
  return id;
}

/** Messages that belong to no shown field (DRF's detail and non_field_errors, or unknown keys). */
export function FormErrors({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <div class="state error" role="alert">
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}
