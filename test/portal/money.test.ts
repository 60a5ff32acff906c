// The portal's price arithmetic: exact decimals per billing unit and per display period.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Component, Plan } from "../../portal/src/api/models.ts";
import {
  pricePerPeriods,
  pricePerUnit,
  scaleDecimal,
  trimPlaces,
  unitMoney,
} from "../../portal/src/lib/money.ts";

const comp = (type: string, billing_type: Component["billing_type"]): Component => ({
  type,
  name: type,
  measured_unit: "u",
  billing_type,
});
const plan = (unit: string, prices: Record<string, string>, unit_price = "0"): Plan => ({
  url: "",
  uuid: "p",
  name: "P",
  description: "",
  unit,
  unit_price,
  archived: false,
  components: Object.entries(prices).map(([type, price]) => ({
    type,
    name: type,
    measured_unit: "u",
    amount: 0,
    price,
  })),
});

test("scaleDecimal rounds half up without floating point", () => {
  assert.equal(scaleDecimal("8.00", 1n, 720n), "0.01");
  assert.equal(scaleDecimal("8.00", 24n, 720n), "0.27");
  assert.equal(scaleDecimal("8.00", 8760n, 720n), "97.33");
  assert.equal(scaleDecimal("0.125", 1n, 1n), "0.13");
  assert.equal(scaleDecimal("0.1", 3n, 1n), "0.30"); // 0.1 × 3 is 0.30000000000000004 in floats
  assert.equal(scaleDecimal("123456789012.34", 8760n, 720n), "1502057599650.14");
});

test("pricePerUnit sums unit price, fixed components and limits × quantity; usage is not estimated", () => {
  const comps = [comp("cpu", "limit"), comp("ram", "limit"), comp("support", "fixed"), comp("gpu", "usage")];
  const p = plan("month", { cpu: "4.00", ram: "0.01", support: "10", gpu: "99" }, "1.5");
  const total = pricePerUnit(p, comps, { cpu: 2, ram: 1024 });
  assert.equal(scaleDecimal(total, 1n, 1n), "29.74"); // 1.5 + 10 + 8 + 10.24
});

test("pricePerPeriods converts from the plan's unit; quantity plans have no periods", () => {
  assert.deepEqual(pricePerPeriods("18.24", "month"), {
    hour: "0.03",
    day: "0.61",
    month: "18.24",
    year: "221.92",
  });
  assert.deepEqual(pricePerPeriods("1", "day"), {
    hour: "0.04",
    day: "1.00",
    month: "30.00",
    year: "365.00",
  });
  assert.deepEqual(pricePerPeriods("2", "hour"), {
    hour: "2.00",
    day: "48.00",
    month: "1440.00",
    year: "17520.00",
  });
  assert.equal(pricePerPeriods("5", "quantity"), null);
});

test("unit prices keep up to four places, trimmed to two when the rest are zeros", () => {
  assert.equal(trimPlaces("0.0100"), "0.01");
  assert.equal(trimPlaces("0.0139"), "0.0139");
  assert.equal(trimPlaces("8.0000"), "8.00");
  assert.equal(trimPlaces("12"), "12");
  assert.equal(unitMoney("0.01"), "0.01 VE");
  assert.deepEqual(pricePerPeriods("0.01", "month", 4), {
    hour: "0.0000",
    day: "0.0003",
    month: "0.0100",
    year: "0.1217",
  });
});
