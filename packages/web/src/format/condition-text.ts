const opText: Record<string, string> = {
  eq: "=",
  neq: "≠",
  in: "in",
  nin: "not in",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  date_gt: "after",
  date_lt: "before",
};

function valueText(v: unknown): string {
  return Array.isArray(v)
    ? `[${v.map((x) => valueText(x)).join(", ")}]`
    : typeof v === "string"
      ? v
      : JSON.stringify(v);
}

/**
 * A targeting condition in the SDK's format (`{attribute, op, value}`, `and`, `or`, `not`) as text.
 * @example describeCondition({ and: [{ attribute: "country", op: "in", value: ["DE", "FR"] }] }) // "country in [DE, FR]"
 */
export function describeCondition(c: unknown): string {
  if (typeof c !== "object" || c === null) return JSON.stringify(c);
  const o = c as Record<string, unknown>;
  if (Array.isArray(o.and)) return o.and.map((x) => wrap(x)).join(" and ");
  if (Array.isArray(o.or)) return o.or.map((x) => wrap(x)).join(" or ");
  if ("not" in o) return `not ${wrap(o.not)}`;
  if (typeof o.attribute === "string" && typeof o.op === "string") {
    return `${o.attribute} ${opText[o.op] ?? o.op} ${valueText(o.value)}`;
  }
  return JSON.stringify(c);
}

function wrap(c: unknown): string {
  const text = describeCondition(c);
  const o = c as Record<string, unknown> | null;
  return o !== null && typeof o === "object" && (Array.isArray(o.and) || Array.isArray(o.or))
    ? `(${text})`
    : text;
}
