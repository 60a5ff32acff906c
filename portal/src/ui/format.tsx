// Display helpers shared by the lists.
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");
export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : "—");

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state.toLowerCase().replace(/[^a-z]/g, "-")}`}>{state}</span>;
}
