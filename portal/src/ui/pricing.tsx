// Prices per hour, day, 30 days and 365 days: per plan component for one unit, or for a chosen
// configuration (the live price in checkout).
import type { Component, Plan } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { money, PERIODS, type PeriodKey, pricePerPeriods, unitMoney } from "../lib/money.ts";

const PERIOD_LABEL: Record<PeriodKey, string> = {
  hour: s.offering.perHour,
  day: s.offering.perDay,
  month: s.offering.perMonth,
  year: s.offering.perYear,
};

export function PlanPricing({ plan, components }: { plan: Plan; components: Component[] }) {
  const timed = pricePerPeriods("0", plan.unit) !== null;
  return (
    <div class="table-wrap">
      <table class="pricing">
        <caption>
          {s.offering.plan}: {plan.name}
        </caption>
        <thead>
          <tr>
            <th scope="col">{s.offering.component}</th>
            <th scope="col">{s.offering.billing}</th>
            {timed ? (
              PERIODS.map((p) => (
                <th scope="col" key={p.key}>
                  {PERIOD_LABEL[p.key]}
                </th>
              ))
            ) : (
              <th scope="col">{s.offering.perUnit(plan.unit)}</th>
            )}
          </tr>
        </thead>
        <tbody>
          {plan.components.map((pc) => {
            const c = components.find((x) => x.type === pc.type);
            // One unit of a component can cost fractions of a cent per hour: four places, trimmed.
            const per = pricePerPeriods(pc.price, plan.unit, 4);
            return (
              <tr key={pc.type}>
                <th scope="row">
                  {pc.name} <span class="muted">({pc.measured_unit})</span>
                </th>
                <td>{s.offering.billingTypes[c?.billing_type ?? ""] ?? c?.billing_type}</td>
                {per ? (
                  PERIODS.map((p) => <td key={p.key}>{unitMoney(per[p.key])}</td>)
                ) : (
                  <td>{unitMoney(pc.price)}</td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function PriceSummary({
  unitTotal,
  unit,
  usage,
}: {
  unitTotal: string;
  unit: string;
  usage: boolean;
}) {
  const per = pricePerPeriods(unitTotal, unit);
  return (
    <div class="price-summary" aria-live="polite">
      <h3>{s.checkout.livePrice}</h3>
      {per ? (
        <dl>
          {PERIODS.map((p) => (
            <div key={p.key}>
              <dt>{PERIOD_LABEL[p.key]}</dt>
              <dd data-period={p.key}>{money(per[p.key])}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p>
          {money(unitTotal)} {s.offering.perUnit(unit)}
        </p>
      )}
      {usage && <p class="muted">{s.offering.plusUsage}</p>}
    </div>
  );
}
