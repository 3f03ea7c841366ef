/**
 * Compares two strings by their UTF-8 bytes: the order the models use for segment values and attribute names
 * (JavaScript's `<` compares UTF-16 code units, which differs above U+FFFF).
 * @example ["b", "a"].sort(compareBytes) // ["a", "b"]
 */
export const compareBytes = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
