import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignInputSchema, parseAssignFast } from "../src/http/assign-input.js";
import { assignmentLine } from "../src/registry/assignment-log.js";

const mostly = <T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: odd, weight: 1 });
const body = fc.record(
  {
    user_id: mostly(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.oneof(fc.constant(""), fc.integer(), fc.string({ minLength: 250, maxLength: 260 })),
    ),
    attributes: mostly(
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.oneof(fc.constant(null), fc.array(fc.integer()), fc.string()),
    ),
    experiments: mostly(
      fc.array(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), { maxLength: 3 }),
      fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.constant("exp"), fc.constant(null)),
    ),
    other: fc.string(),
  },
  { requiredKeys: [] },
);

describe("assign input fast path", () => {
  it("accepts only what the schema accepts, and returns what the schema returns", () => {
    let hits = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const fast = parseAssignFast(raw);
        if (fast === undefined) return;
        hits++;
        const slow = assignInputSchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 3000 },
    );
    expect(hits).toBeGreaterThan(50);
  });

  it("writes the same WAL line as JSON.stringify of the record", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (experimentKey, userId, variant) => {
        const at = "2026-02-01T12:00:00.000Z";
        const line = assignmentLine({ experimentKey, userId, variant }, at);
        expect(line).toBe(
          `${JSON.stringify({
            kind: "assignment",
            event_id: `${experimentKey}\u0000${userId}`,
            user_id: userId,
            experiment_id: experimentKey,
            variant_id: variant,
            assignment_time_utc: at,
          })}\n`,
        );
      }),
    );
  });
});
