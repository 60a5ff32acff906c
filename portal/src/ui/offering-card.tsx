import type { Offering } from "../api/models.ts";

export function OfferingCard({ o }: { o: Offering }) {
  return (
    <li class="card">
      <h3>
        <a href={`/offerings/${o.uuid}`}>{o.name}</a>
      </h3>
      <p class="muted">
        {o.customer_name} · {o.category_title}
      </p>
      <p>{o.description}</p>
    </li>
  );
}
