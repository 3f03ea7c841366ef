import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chooseVariant,
  createAssayClient,
  createSuffixHasher,
  getBucket,
  hashJoined,
  xxhash32,
  xxhash32Bytes,
} from "../src/index.js";
import { experiment, flag, payload } from "./fixtures.js";

const utf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

describe("xxhash32 over UTF-8", () => {
  it("equals hashing TextEncoder's bytes, for any UTF-16 string (surrogate pairs and lone surrogates)", () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.oneof(utf16, fc.string({ unit: "binary", maxLength: 80 })),
        fc.nat(0xffffffff),
        (s, seed) => {
          expect(xxhash32(s, seed)).toBe(xxhash32Bytes(encoder.encode(s), seed));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("getBucket hashes the joined key without building it", () => {
    fc.assert(
      fc.property(utf16, utf16, utf16, fc.nat(0xffffffff), (id, key, salt, seed) => {
        expect(getBucket(id, key, salt, seed)).toBe(xxhash32(`${id}:${key}:${salt}`, seed) % 10000);
      }),
      { numRuns: 1000 },
    );
  });

  it("the precompiled suffix hasher equals hashing the joined key", () => {
    fc.assert(
      fc.property(utf16, utf16, utf16, fc.nat(0xffffffff), (id, key, salt, seed) => {
        expect(createSuffixHasher(`:${key}:${salt}`)(id, seed)).toBe(hashJoined(id, key, salt, seed));
      }),
      { numRuns: 1000 },
    );
  });

  it("handles keys longer than the scratch buffer", () => {
    const long = "🙂é".repeat(5000);
    expect(xxhash32(long, 9)).toBe(xxhash32Bytes(new TextEncoder().encode(long), 9));
  });
});

describe("allocation", () => {
  it("splits 100k identities within binomial bounds of the weights", () => {
    const weights = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 5 }).map((raw) => {
      const total = raw.reduce((a, b) => a + b, 0);
      const pct = raw.map((r) => Math.floor((r / total) * 10000) / 100);
      pct[pct.length - 1] = Math.round((100 - pct.slice(0, -1).reduce((a, b) => a + b, 0)) * 100) / 100;
      return pct.map((w, i) => [`v${i}`, w] as [string, number]);
    });
    fc.assert(
      fc.property(weights, fc.string({ maxLength: 12 }), fc.nat(0xffffffff), (variantWeights, salt, seed) => {
        const n = 100_000;
        const counts = new Map<string, number>();
        for (let i = 0; i < n; i++) {
          const v = chooseVariant(getBucket(`user-${i}`, "alloc-test", salt, seed), variantWeights)!;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        for (const [v, w] of variantWeights) {
          const p = w / 100;
          const sd = Math.sqrt(n * p * (1 - p));
          // 5 sd: a false alarm about once in 3.5 million variant checks.
          expect(Math.abs((counts.get(v) ?? 0) - n * p)).toBeLessThanOrEqual(5 * sd + 1);
        }
      }),
      { numRuns: 6 },
    );
  });
});

describe("coverage and rollouts", () => {
  it("growing coverage never moves or drops an enrolled identity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.nat(0xffffffff),
        (a, b, seed) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = (coverage: number) =>
            createAssayClient({ payload: payload({ experiments: [experiment("e", { coverage, seed })] }) });
          const small = at(low);
          const large = at(high);
          let enrolled = 0;
          for (let i = 0; i < 2000; i++) {
            const attributes = { identity_id: `id-${i}` };
            const before = small.getVariant("e", attributes);
            if (before !== null) {
              enrolled++;
              expect(large.getVariant("e", attributes)).toBe(before);
            }
          }
          expect(Math.abs(enrolled / 2000 - low / 100)).toBeLessThan(0.06);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("growing a flag rollout keeps everyone already in it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const at = (percentage: number) =>
          createAssayClient({
            payload: payload({ flags: [flag("f", { rollout: { percentage, value: true } })] }),
          });
        const small = at(low);
        const large = at(high);
        for (let i = 0; i < 1000; i++) {
          const attributes = { identity_id: `id-${i}` };
          if (small.isEnabled("f", attributes)) expect(large.isEnabled("f", attributes)).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe("mutual-exclusion layers", () => {
  it("experiments in one layer never share an identity", () => {
    const cuts = fc
      .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 })
      .map((c) => c.sort((x, y) => x - y));
    fc.assert(
      fc.property(cuts, fc.nat(0xffffffff), fc.integer({ min: 1, max: 100 }), (inner, seed, coverage) => {
        const bounds = [0, ...inner, 100];
        const keys = bounds.slice(1).map((_, i) => `exp-${i}`);
        const client = createAssayClient({
          payload: payload({
            layers: [
              {
                key: "layer",
                salt: "s",
                seed,
                allocations: keys.map((experimentKey, i) => ({
                  experimentKey,
                  start: bounds[i]!,
                  end: bounds[i + 1]!,
                })),
              },
            ],
            experiments: keys.map((k) => experiment(k, { layer: "layer", coverage })),
          }),
        });
        for (let i = 0; i < 2000; i++) {
          const attributes = { identity_id: `id-${i}` };
          const inside = keys.filter((k) => client.getVariant(k, attributes) !== null);
          expect(inside.length).toBeLessThanOrEqual(1);
          if (coverage === 100) expect(inside.length).toBe(1);
        }
      }),
      { numRuns: 30 },
    );
  });
});
