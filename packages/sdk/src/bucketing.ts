import { hashJoined } from "./xxhash32.js";

/** Buckets per hash: `xxHash32 mod 10000`, so one bucket is one basis point. */
export const BUCKET_COUNT = 10_000;

/**
 * The bucket (0..9999) of `identityId` in `experimentKey`: xxHash32 of the UTF-8 bytes of
 * `identityId:experimentKey:salt` with `seed`, modulo 10000 (docs/sdk.md, spec/assignment.md).
 * @example getBucket("user-1", "checkout", "2026-11", 0) // an integer in [0, 9999]
 */
export function getBucket(identityId: string, experimentKey: string, salt: string, seed: number): number {
  return hashJoined(identityId, experimentKey, salt, seed) % BUCKET_COUNT;
}

/** A variant and its weight in percent (fractional percentages allowed: the cursor is in basis points). */
export type VariantWeight = readonly [variant: string, weight: number];

/**
 * Walks the variants in order with `cursor += weight * 100`; the first with `bucket < cursor` wins,
 * the last one otherwise. Returns `undefined` only for an empty list.
 * @example chooseVariant(4999, [["control", 50], ["treatment", 50]]) // "control"
 */
export function chooseVariant(
  bucket: number,
  variantWeights: ReadonlyArray<VariantWeight>,
): string | undefined {
  const index = chooseVariantIndex(
    bucket,
    variantWeights.map((entry) => entry[1]),
  );
  return index < 0 ? undefined : variantWeights[index]![0];
}

/**
 * The index chosen by the rule of {@link chooseVariant} over weights in percent; -1 for an empty list.
 * @example chooseVariantIndex(5000, [50, 50]) // 1
 */
export function chooseVariantIndex(bucket: number, weights: ReadonlyArray<number>): number {
  const count = weights.length;
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    cursor += weights[i]! * 100;
    if (bucket < cursor) return i;
  }
  return count - 1;
}
