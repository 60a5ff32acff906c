// The shopping cart, kept in this browser's localStorage: our API has no cart endpoint (Waldur's
// /api/marketplace-cart-items/ is not served), so each configured offering waits here until the
// customer places the orders, one POST /api/marketplace-orders/ per item. Only the configuration is
// kept; prices and terms are read fresh from the offering when the cart is shown.
import { useEffect, useState } from "preact/hooks";
import { addDecimal, formatDecimal } from "../../../src/http/decimal.ts";
import type { Offering } from "../api/models.ts";
import { limitComponents, PERIODS, type PeriodKey, pricePerPeriods, pricePerUnit, scaleDecimal } from "./money.ts";

export interface CartItem {
  id: string;
  offering_uuid: string;
  offering_name: string;
  project: string;
  project_label: string;
  name: string;
  plan: string;
  /** Quantities of the offering's limit components, as whole numbers. */
  limits: Record<string, number>;
  added: string;
}

const KEY = "ve.cart.v1";
const MAX_ITEMS = 50;
const listeners = new Set<() => void>();

const isStr = (x: unknown): x is string => typeof x === "string";

/** What localStorage holds is outside input: anything that is not a well-formed item is dropped. */
function parseItem(x: unknown): CartItem | null {
  if (!x || typeof x !== "object") return null;
  const o = x as Record<string, unknown>;
  const strs = ["id", "offering_uuid", "offering_name", "project", "project_label", "name", "plan", "added"] as const;
  if (!strs.every((k) => isStr(o[k]))) return null;
  if (!/^[0-9a-f]{32}$/.test(o.offering_uuid as string)) return null;
  const limits = o.limits;
  if (!limits || typeof limits !== "object" || Array.isArray(limits)) return null;
  const lim: Record<string, number> = {};
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || (v as number) < 0) return null;
    lim[k] = v as number;
  }
  return { ...(o as unknown as CartItem), limits: lim };
}

export function loadCart(): CartItem[] {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(raw) ? raw.map(parseItem).filter((x): x is CartItem => x !== null) : [];
  } catch {
    return [];
  }
}

function save(items: CartItem[]) {
  localStorage.setItem(KEY, JSON.stringify(items));
  for (const l of listeners) l();
}

export class CartFull extends Error {}

export function addToCart(item: Omit<CartItem, "id" | "added">): CartItem {
  const items = loadCart();
  if (items.length >= MAX_ITEMS) throw new CartFull(String(MAX_ITEMS));
  const full: CartItem = { ...item, id: crypto.randomUUID(), added: new Date().toISOString() };
  save([...items, full]);
  return full;
}

export function updateCartItem(id: string, patch: Partial<Omit<CartItem, "id">>) {
  save(loadCart().map((i) => (i.id === id ? { ...i, ...patch } : i)));
}

export function removeFromCart(id: string) {
  save(loadCart().filter((i) => i.id !== id));
}

/** The cart, kept current across components and other tabs. */
export function useCart(): CartItem[] {
  const [items, setItems] = useState(loadCart);
  useEffect(() => {
    const l = () => setItems(loadCart());
    const onStorage = (e: StorageEvent) => e.key === KEY && l();
    listeners.add(l);
    addEventListener("storage", onStorage);
    return () => {
      listeners.delete(l);
      removeEventListener("storage", onStorage);
    };
  }, []);
  return items;
}

const PLACES = 12;
export type PeriodTotals = Record<PeriodKey, string>;

/**
 * One item's price per period (exact, 12 places: rounding happens once, on the shown total), or
 * null when its plan is billed per quantity rather than time, or the plan is gone.
 */
export function itemPeriods(item: CartItem, offering: Offering): PeriodTotals | null {
  const plan = offering.plans.find((p) => p.url === item.plan && !p.archived);
  if (!plan) return null;
  const limits = Object.fromEntries(limitComponents(offering.components).map((c) => [c.type, item.limits[c.type] ?? 0]));
  return pricePerPeriods(pricePerUnit(plan, offering.components, limits), plan.unit, PLACES);
}

export function sumPeriods(parts: (PeriodTotals | null)[]): PeriodTotals {
  const total = Object.fromEntries(PERIODS.map((p) => [p.key, formatDecimal("0", PLACES)])) as PeriodTotals;
  for (const part of parts) {
    if (!part) continue;
    for (const p of PERIODS) total[p.key] = addDecimal(total[p.key], part[p.key], PLACES);
  }
  return total;
}

/** Rounded half up to the cent, once, for display (the sums above keep every digit). */
export const toCents = (amount: string): string => scaleDecimal(amount, 1n, 1n, 2);
