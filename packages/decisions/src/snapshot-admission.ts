import { isPolicyKey, type PolicySnapshot, policySnapshotSchema } from "./policy-input.js";

const instantPattern =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const meanKeys = new Set(["n", "sum", "sum_squares"]);
const ratioKeys = new Set(["n", "sum_num", "sum_num_squares", "sum_den", "sum_den_squares", "sum_num_den"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isFiniteNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function isInstant(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const m = instantPattern.exec(v);
  if (m === null) return false;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const day = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1));
  const offsetOk = m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60);
  return (
    day.getUTCFullYear() === y &&
    day.getUTCMonth() + 1 === mo &&
    day.getUTCDate() === d &&
    (h ?? 99) < 24 &&
    (mi ?? 99) < 60 &&
    (s ?? 99) < 60 &&
    offsetOk
  );
}

function isArm(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const keys = Object.keys(v);
  const shape = keys.length === 3 ? meanKeys : keys.length === 6 ? ratioKeys : null;
  if (shape === null || !isCount(v.n)) return false;
  for (const k of keys) if (!shape.has(k) || !isFiniteNumber(v[k])) return false;
  return true;
}

/** The common, plainly valid snapshot checked in place (no copy); anything unusual returns false. */
function isPlainSnapshot(v: unknown): boolean {
  if (!isRecord(v)) return false;
  for (const k of Object.keys(v))
    if (k !== "at" && k !== "units" && k !== "metrics" && k !== "data_quality") return false;
  if (!isInstant(v.at) || !isRecord(v.units)) return false;
  for (const [k, n] of Object.entries(v.units)) if (!isPolicyKey(k) || !isCount(n)) return false;
  if (v.metrics !== undefined) {
    if (!isRecord(v.metrics)) return false;
    for (const [metric, arms] of Object.entries(v.metrics)) {
      if (!isPolicyKey(metric) || !isRecord(arms)) return false;
      for (const [variant, arm] of Object.entries(arms))
        if (!isPolicyKey(variant) || !isArm(arm)) return false;
    }
  }
  if (v.data_quality !== undefined) {
    if (!Array.isArray(v.data_quality) || v.data_quality.length > 100) return false;
    for (const p of v.data_quality) if (typeof p !== "string" || p.length > 2000) return false;
  }
  return true;
}

/**
 * Admits one snapshot: the plain, valid case is checked in place and taken as it is (replays read
 * hundreds of thousands of them); anything else — unknown keys, missing fields, odd values — goes through
 * `policySnapshotSchema`, the one definition, which answers or names the field. A property test holds the
 * two to the same answers.
 * @example admitSnapshot({ at: "2026-02-01T01:00:00Z", units: { control: 3, treatment: 4 } });
 */
export function admitSnapshot(
  value: unknown,
): { success: true; data: PolicySnapshot } | { success: false; error: import("zod").ZodError } {
  if (isPlainSnapshot(value)) {
    const v = value as Record<string, unknown>;
    return {
      success: true,
      data: {
        at: v.at as string,
        units: v.units as Record<string, number>,
        metrics: (v.metrics ?? {}) as PolicySnapshot["metrics"],
        data_quality: (v.data_quality ?? []) as string[],
      },
    };
  }
  return policySnapshotSchema.safeParse(value);
}
