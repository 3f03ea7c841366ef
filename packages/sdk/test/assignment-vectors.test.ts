import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chooseVariant, getBucket, xxhash32 } from "../src/index.js";

interface VectorCase {
  identity_id: string;
  experiment_key: string;
  variant_weights: Array<[string, number]>;
  salt: string;
  seed: number;
  bucket: number;
  variant: string;
  xxh32: number;
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../../fixtures/reference/assignment-vectors.json"), "utf8"),
) as { cases: VectorCase[] };

describe("assignment-vectors.json through the pure functions", () => {
  it("has cases with astral-plane characters, an empty salt and the largest seed", () => {
    expect(fixture.cases.some((c) => /[\u{10000}-\u{10ffff}]/u.test(c.identity_id))).toBe(true);
    expect(fixture.cases.some((c) => c.salt === "")).toBe(true);
    expect(fixture.cases.some((c) => c.seed === 4294967295)).toBe(true);
  });

  it.each(fixture.cases.map((c, i) => [i, c] as const))("case %i: xxh32, bucket and variant", (_i, c) => {
    expect(xxhash32(`${c.identity_id}:${c.experiment_key}:${c.salt}`, c.seed)).toBe(c.xxh32);
    const bucket = getBucket(c.identity_id, c.experiment_key, c.salt, c.seed);
    expect(bucket).toBe(c.bucket);
    expect(chooseVariant(bucket, c.variant_weights)).toBe(c.variant);
  });
});
