// An order's cost estimate (Waldur's Order.cost, set by init_cost when a Create or Update order is
// placed): the plan's unit price, plus price × limit / unit factor for each limit-billed component,
// plus the one-time components' price × amount on a Create order or the on-plan-switch components'
// on an Update order. Usage components are left out (nothing is used yet), as are Terminate orders
// (Waldur leaves their cost empty). Waldur's unit price of a plan made through its API is the sum
// of its fixed components' price × amount; ours is whatever the plan was given, so a plan with
// fixed components is priced from them and only a plan without any falls back to unit_price.
// Exact: BigInt at 12 places, rendered with Waldur's 10 (DecimalField(22, 10)), rounded down.
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { offeringComponents, planComponents, plans } from "../../db/schema/index.ts";
import type { OrderType } from "../../db/schema/marketplace.ts";
import { formatDecimal } from "../../http/decimal.ts";

const PLACES = 12;
const UNIT = 10n ** BigInt(PLACES);
const scaled = (dec: string) => BigInt(formatDecimal(dec, PLACES).replace(".", ""));
const render = (v: bigint) => formatDecimal(`${v / UNIT}.${(v % UNIT).toString().padStart(PLACES, "0")}`, 10);

/** The cost to store on a new order of `type` for `planId` with `limits`; null when Waldur has none. */
export async function orderCost(db: Db, planId: number | null, type: OrderType, limits: Record<string, number>): Promise<string | null> {
  if (planId === null || (type !== "Create" && type !== "Update")) return null;
  const plan = await db.select().from(plans).where(eq(plans.id, planId)).get();
  if (!plan) return null;
  const comps = await db
    .select({ id: offeringComponents.id, type: offeringComponents.type, billingType: offeringComponents.billingType, unitFactor: offeringComponents.unitFactor })
    .from(offeringComponents)
    .where(eq(offeringComponents.offeringId, plan.offeringId))
    .all();
  const prices = await db.select().from(planComponents).where(eq(planComponents.planId, plan.id)).all();
  const priceOf = new Map(prices.map((p) => [p.componentId, p]));

  let fixed = 0n;
  let hasFixed = false;
  let total = 0n;
  const extraType = type === "Create" ? "one" : "few";
  for (const c of comps) {
    const pc = priceOf.get(c.id);
    if (!pc) continue;
    const price = scaled(pc.price);
    if (c.billingType === "fixed") {
      hasFixed = true;
      fixed += price * BigInt(pc.amount);
    } else if (c.billingType === "limit") {
      const limit = BigInt(Math.max(0, Math.trunc(limits[c.type] ?? 0)));
      total += (price * limit) / BigInt(Math.max(1, c.unitFactor));
    } else if (c.billingType === extraType) {
      total += price * BigInt(pc.amount);
    }
  }
  return render(total + (hasFixed ? fixed : scaled(plan.unitPrice)));
}
