import { isWellFormedUtf16 } from "../http/admission.js";

/**
 * User attributes the server records for segment drill-downs. Only allowlisted keys are ever stored: the
 * attributes an SDK sends with `POST /api/assign` may hold anything (e-mail, name), so a key must be listed
 * in `ASSAY_SEGMENT_ATTRIBUTES` before a value of it reaches the lake.
 */

/** The default allowlist: coarse, non-identifying properties of a user's context. */
export const defaultSegmentAttributes = ["platform", "country", "device", "browser", "plan"] as const;

const attributeName = /^[a-z][a-z0-9_]{0,63}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters.
const controlCharacter = /[\u0000-\u001f\u007f]/;

/** Longest value recorded; longer values are free text, not a segment, and are dropped. */
export const MAX_SEGMENT_VALUE_LENGTH = 128;

/** A setting that names an attribute the server cannot record. */
export class SegmentAttributesError extends Error {
  readonly field = "ASSAY_SEGMENT_ATTRIBUTES";
  constructor(message: string) {
    super(`ASSAY_SEGMENT_ATTRIBUTES: ${message}`);
    this.name = "SegmentAttributesError";
  }
}

/**
 * The allowlist from `ASSAY_SEGMENT_ATTRIBUTES` (comma list; unset = the default, empty = record nothing).
 * @example segmentAttributesFromEnv({ ASSAY_SEGMENT_ATTRIBUTES: "platform, plan" }) // ["platform", "plan"]
 */
export function segmentAttributesFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const raw = env.ASSAY_SEGMENT_ATTRIBUTES;
  if (raw === undefined) return [...defaultSegmentAttributes];
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of names) {
    if (!attributeName.test(name))
      throw new SegmentAttributesError(
        `"${name}" is not an attribute name (lowercase letters, digits, _; at most 64)`,
      );
  }
  return [...new Set(names)];
}

/** One observed (attribute, value) of a user. */
export type AttributeObservation = readonly [attribute: string, value: string];

/**
 * The allowlisted attributes of an assign request as strings; values that are not a string, number or
 * boolean, empty, or longer than `MAX_SEGMENT_VALUE_LENGTH` are skipped.
 * @example observedAttributes(["platform"], { platform: "ios", email: "a@b.c" }) // [["platform", "ios"]]
 */
export function observedAttributes(
  allowlist: ReadonlyArray<string>,
  attributes: Readonly<Record<string, unknown>>,
): AttributeObservation[] {
  const out: AttributeObservation[] = [];
  for (const name of allowlist) {
    if (!Object.hasOwn(attributes, name)) continue;
    const v = attributes[name];
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") continue;
    const value = String(v);
    if (value === "" || value.length > MAX_SEGMENT_VALUE_LENGTH) continue;
    // A value that is no segment label (a control character, a lone surrogate) is never stored.
    if (!isWellFormedUtf16(value) || controlCharacter.test(value)) continue;
    out.push([name, value]);
  }
  return out;
}

/**
 * The WAL line of one observation (`kind: "user_attribute"`), observed at the assignment time `at`.
 * @example userAttributeLine("u1", ["platform", "ios"], "2026-02-01T10:00:00.000Z")
 */
export function userAttributeLine(
  userId: string,
  [attribute, value]: AttributeObservation,
  at: string,
  team?: string,
): string {
  const u = JSON.stringify(userId);
  const a = JSON.stringify(attribute);
  return `{"kind":"user_attribute","event_id":${JSON.stringify(`${userId}\u0000${attribute}\u0000${at}`)},"user_id":${u},"attribute":${a},"attribute_value":${JSON.stringify(value)},"observed_time_utc":"${at}"${team === undefined ? "" : `,"team":${JSON.stringify(team)}`}}\n`;
}
