/**
 * Where to show a server validation error: the field itself if the form has it, else the closest
 * enclosing field (`variants[1].allocation` → `variants[1]` → `variants`), else the form as a whole.
 * @example fieldAnchor("variants[1].allocation", new Set(["variants", "name"])) // "variants"
 */
export function fieldAnchor(field: string | undefined, known: ReadonlySet<string>): string | null {
  let current = field;
  while (current !== undefined && current !== "") {
    if (known.has(current)) return current;
    const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
    current = cut <= 0 ? undefined : current.slice(0, cut);
  }
  return null;
}

/** A date input's value (YYYY-MM-DD) as the API's ISO timestamp at 00:00 UTC, or null when empty. */
export function dayToIso(day: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00Z` : null;
}

/** An ISO timestamp as a date input's value. */
export function isoToDay(iso: string | null): string {
  return iso === null ? "" : iso.slice(0, 10);
}

/** A number input's text as a number, or null when empty (NaN stays NaN so the server names the field). */
export function parseNumberField(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}
