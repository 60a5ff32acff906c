// The order state machine (Waldur §5.2) and its coupling to the resource (§5.3). Every move is a
// conditional UPDATE on the state that was read, so concurrent callers cannot both win.
import { and, eq } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { orders, resourcePlanPeriods, resources } from "../../db/schema/index.ts";
import type { OrderState, ResourceState } from "../../db/schema/marketplace.ts";
import { invalidState } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import type { Order } from "./context.ts";
import { batchThen, orderMovedItems, orderStillIn } from "../../bridge/chain/marketplace.ts";

export const TERMINAL: OrderState[] = ["done", "erred", "canceled", "rejected"];
export const PENDING: OrderState[] = ["pending-consumer", "pending-provider", "pending-project", "pending-start-date"];

/** Moves an order from one of `from` to `to`; 409 with the valid states when it is elsewhere (or raced). */
export async function moveOrder(
  db: Db,
  order: Order,
  from: readonly OrderState[],
  to: OrderState,
  set: Partial<typeof orders.$inferInsert> = {},
): Promise<Order> {
  if (!from.includes(order.state)) throw invalidState(from);
  const now = nowIso();
  // The chain records of the move go in the same batch, guarded by the same condition as the UPDATE.
  const onChain = await orderMovedItems(db, order, to, orderStillIn(db, order));
  const update = db
    .update(orders)
    .set({ ...set, state: to, modified: now, ...(TERMINAL.includes(to) ? { completedAt: now } : {}) })
    .where(and(eq(orders.id, order.id), eq(orders.state, order.state)))
    .returning();
  const [row] = await batchThen(db, onChain, update);
  if (!row) throw invalidState(from);
  await coupleResource(db, row);
  return row;
}

async function setResource(db: Db, id: number, set: Partial<typeof resources.$inferInsert>) {
  await db.update(resources).set({ ...set, modified: nowIso() }).where(eq(resources.id, id));
}

/** Resource side effects of an order reaching a state (§5.3). */
export async function coupleResource(db: Db, o: Order): Promise<void> {
  if (!o.resourceId) return;
  const res = await db.select().from(resources).where(eq(resources.id, o.resourceId)).get();
  if (!res) return;
  const state = (s: ResourceState, extra: Partial<typeof resources.$inferInsert> = {}) => setResource(db, res.id, { state: s, ...extra });
  const isCreate = o.type === "Create" || o.type === "Restore";
  switch (o.state) {
    case "executing":
      if (o.type === "Update") await state("Updating");
      if (o.type === "Terminate") await state("Terminating");
      return;
    case "done":
      if (isCreate) {
        await state("OK", { errorMessage: "", errorTraceback: "" });
        if (res.planId) {
          await db.insert(resourcePlanPeriods).values({ uuid: newUuid(), resourceId: res.id, planId: res.planId, start: nowIso(), end: null });
        }
      } else if (o.type === "Update") {
        await state("OK", { limits: Object.keys(o.limits).length ? o.limits : res.limits, ...(o.planId ? { planId: o.planId } : {}) });
        if (o.planId && o.planId !== res.planId) {
          const now = nowIso();
          await db.update(resourcePlanPeriods).set({ end: now }).where(and(eq(resourcePlanPeriods.resourceId, res.id)));
          await db.insert(resourcePlanPeriods).values({ uuid: newUuid(), resourceId: res.id, planId: o.planId, start: now, end: null });
        }
      } else if (o.type === "Terminate") {
        await state("Terminated");
        await db.update(resourcePlanPeriods).set({ end: nowIso() }).where(eq(resourcePlanPeriods.resourceId, res.id));
      }
      return;
    case "erred":
      if (o.type === "Terminate") await state("OK");
      else await state("Erred", { errorMessage: o.errorMessage, errorTraceback: o.errorTraceback });
      return;
    case "canceled":
    case "rejected":
      if (isCreate) await state("Terminated");
      else await state("OK");
      return;
    default:
      return;
  }
}

/** Only one order that has not finished may exist per resource. */
export async function pendingOrderFor(db: Db, resourceId: number): Promise<Order | undefined> {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.resourceId, resourceId), inArray(orders.state, [...PENDING, "executing"])))
    .get();
}
