// Submitting a form to the API: busy flag, and the refusal split into per-field messages (shown
// beside their fields) and the rest (shown above the buttons).
import { useState } from "preact/hooks";
import { ApiFailure } from "../api/client.ts";

export interface FormState {
  busy: boolean;
  fields: Record<string, string[]>;
  general: string[];
  run: (action: () => Promise<void>, shown?: string[]) => Promise<void>;
  setFields: (f: Record<string, string[]>) => void;
}

export function useForm(): FormState {
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [general, setGeneral] = useState<string[]>([]);
  async function run(action: () => Promise<void>, shown?: string[]) {
    setBusy(true);
    setFields({});
    setGeneral([]);
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiFailure) {
        const own: Record<string, string[]> = {};
        const rest = [...e.general];
        for (const [k, v] of Object.entries(e.fields)) {
          if (!shown || shown.some((f) => k === f || k.startsWith(`${f}.`))) own[k] = v;
          else rest.push(`${k}: ${v.join(" ")}`);
        }
        setFields(own);
        setGeneral(rest);
      } else setGeneral([(e as Error).message]);
    } finally {
      setBusy(false);
    }
  }
  return { busy, fields, general, run, setFields };
}

/** Messages for a field and its nested keys ("limits" collects "limits.cpu" too). */
export const errorsFor = (fields: Record<string, string[]>, name: string) =>
  Object.entries(fields)
    .filter(([k]) => k === name || k.startsWith(`${name}.`))
    .flatMap(([, v]) => v);
