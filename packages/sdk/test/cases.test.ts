import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AssayPayload,
  type Attributes,
  type Condition,
  chooseVariant,
  createAssayClient,
  evaluateCondition,
  getBucket,
  type JsonValue,
  validatePayload,
  xxhash32,
} from "../src/index.js";

interface Cases {
  format: string;
  version: number;
  hashing: Array<{ input: string; seed: number; xxh32: number }>;
  bucketing: Array<{
    identity_id: string;
    experiment_key: string;
    salt: string;
    seed: number;
    variant_weights: Array<[string, number]>;
    bucket: number;
    variant: string;
  }>;
  chooseVariant: Array<{ bucket: number; variant_weights: Array<[string, number]>; variant: string }>;
  conditions: Array<{ condition: Condition; attributes: Attributes; expected: boolean }>;
  payloads: Record<string, AssayPayload>;
  evaluations: Array<{
    name: string;
    payload: string;
    kind: "flag" | "experiment";
    key: string;
    attributes: Attributes;
    codeDefault?: JsonValue;
    expected: { value?: JsonValue; reason: string; variant?: string | null };
  }>;
  invalidPayloads: Array<{
    name: string;
    payload: string;
    set: Array<{ pointer: string; value: JsonValue }>;
    path: string;
    message_contains?: string;
  }>;
}

const cases = JSON.parse(readFileSync(join(import.meta.dirname, "../cases.json"), "utf8")) as Cases;

function setPointer(root: unknown, pointer: string, value: JsonValue): void {
  const parts = pointer.slice(1).split("/");
  let node = root as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

describe("packages/sdk/cases.json", () => {
  it("is the versioned case format", () => {
    expect(cases.format).toBe("assay-sdk-cases");
    expect(cases.version).toBe(1);
  });

  it.each(cases.hashing)("xxh32($input, $seed)", (c) => {
    expect(xxhash32(c.input, c.seed)).toBe(c.xxh32);
  });

  it.each(cases.bucketing)("bucket of $identity_id in $experiment_key", (c) => {
    const bucket = getBucket(c.identity_id, c.experiment_key, c.salt, c.seed);
    expect(bucket).toBe(c.bucket);
    expect(chooseVariant(bucket, c.variant_weights)).toBe(c.variant);
  });

  it.each(cases.chooseVariant)("bucket $bucket chooses $variant", (c) => {
    expect(chooseVariant(c.bucket, c.variant_weights)).toBe(c.variant);
  });

  it.each(cases.conditions.map((c, i) => [i, c] as const))("condition %i", (_i, c) => {
    expect(evaluateCondition(c.condition, c.attributes)).toBe(c.expected);
  });

  it("every evaluation payload is valid", () => {
    for (const payload of Object.values(cases.payloads))
      expect(validatePayload(payload)).toMatchObject({ ok: true });
  });

  it.each(cases.evaluations)("$kind $key: $name", (c) => {
    const client = createAssayClient({ payload: cases.payloads[c.payload], onError: () => {} });
    if (c.kind === "flag") {
      const result = client.getFlagDetails(c.key, c.codeDefault ?? null, c.attributes);
      expect({ value: result.value, reason: result.reason }).toEqual(c.expected);
    } else {
      const result = client.getAssignment(c.key, c.attributes);
      expect({ variant: result.variant, reason: result.reason }).toEqual(c.expected);
    }
  });

  it.each(cases.invalidPayloads)("rejects: $name at $path", (c) => {
    const payload = structuredClone(cases.payloads[c.payload]);
    for (const s of c.set) setPointer(payload, s.pointer, s.value);
    const result = validatePayload(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.path).toBe(c.path);
      if (c.message_contains) expect(result.problem.message).toContain(c.message_contains);
    }
  });
});
