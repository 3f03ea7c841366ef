import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectedEventSchema, parseEventFast } from "../src/collector/event-schema.js";

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Mostly `valid`, sometimes `odd`, so both paths are exercised. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: odd, weight: 1 });
const timestamp = mostly(
  fc
    .date({ min: new Date("2000-01-02"), max: new Date("2026-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.oneof(
    fc
      .date({ min: new Date("1990-01-01"), max: new Date("2040-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom("2026-02-01T12:00:00+05:30", "2026-02-01T12:00:00Z", "2026-02-01 12:00", "yesterday", ""),
  ),
);
const event = fc.record(
  {
    type: mostly(fc.constant("event"), fc.constantFrom("exposure", "other", undefined)),
    event_id: mostly(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.oneof(fc.string({ maxLength: 130 }), fc.integer()),
    ),
    user_id: mostly(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.constant(""), fc.constant(null))),
    timestamp,
    event_time_utc: timestamp,
    experiment_id: fc.string({ maxLength: 5 }),
    event_name: mostly(
      fc.oneof(
        { arbitrary: fc.string({ minLength: 1, maxLength: 20 }), weight: 4 },
        fc.constant("exp.exposed"),
      ),
      fc.oneof(fc.string({ maxLength: 102 }), fc.boolean()),
    ),
    value: maybe(
      mostly(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.oneof(fc.double(), fc.constant(null), fc.string()),
      ),
    ),
    properties: maybe(
      mostly(fc.dictionary(fc.string(), fc.jsonValue()), fc.oneof(fc.array(fc.integer()), fc.constant(null))),
    ),
    extra: maybe(fc.string()),
    plan: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()),
  },
  { requiredKeys: ["event_id", "user_id"] },
);

describe("event validation fast path", () => {
  it("accepts only what the schema accepts, and returns what the schema returns", () => {
    let fastHits = 0;
    fc.assert(
      fc.property(event, (raw) => {
        const fast = parseEventFast(raw);
        if (fast === undefined) return;
        fastHits++;
        const slow = collectedEventSchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 5000 },
    );
    expect(fastHits).toBeGreaterThan(50);
  });

  it("leaves properties with an own __proto__ key to the schema (found by the property above, seed -1946782349)", () => {
    const raw = JSON.parse(
      '{"event_id":" ","user_id":" ","timestamp":"2000-01-02T00:00:00.000Z","event_name":" ","properties":{"__proto__":{}}}',
    );
    expect(parseEventFast(raw)).toBeUndefined();
    // The schema accepts it and drops the key: stored properties are `{}`.
    expect(JSON.stringify(collectedEventSchema.parse(raw))).toContain('"properties":{}');
  });

  it("takes the fast path for a plain product event", () => {
    const raw = {
      event_id: "e1",
      user_id: "u1",
      event_name: "purchase",
      timestamp: "2026-02-01T12:00:00.000Z",
      value: 12.5,
      properties: { sku: "a" },
    };
    expect(parseEventFast(raw)).toEqual(collectedEventSchema.parse(raw));
  });

  it("takes the fast path for the SDK's wire format (event_time_utc, properties spread at the top level)", () => {
    const raw = {
      event_id: "e2",
      user_id: "u1",
      event_name: "purchase",
      event_time_utc: "2026-02-01T12:00:00.000Z",
      value: 9.5,
      plan: "pro",
      properties: { sku: "a" },
    };
    const fast = parseEventFast(raw);
    expect(fast).toBeDefined();
    expect(fast).toEqual(collectedEventSchema.parse(raw));
    expect(parseEventFast({ ...raw, event_name: "exp.exposed", experiment_id: "x" })).toBeUndefined();
  });
});
