import { xxhash32 } from "@assay/sdk";

/**
 * A set of strings in fixed memory: each string is kept as a 64-bit fingerprint (two xxHash32 with different seeds)
 * in an open-addressing table of typed arrays, allocated once. Memory is `8 × slots` bytes whatever the strings'
 * length (a `Set<string>` of event ids costs about 87 bytes an id, and grows); a false positive needs two different
 * ids with the same 64 bits (about 1 in 2^64 / size per lookup). `isFull` tells the owner to rotate.
 * @example const s = createFingerprintSet(1000); s.add("e1"); s.has("e1"); // true
 */
export interface FingerprintSet {
  has(value: string): boolean;
  /** Adds; false when the set was already full (the value is not added). */
  add(value: string): boolean;
  delete(value: string): void;
  /** Empties in place (no allocation). */
  clear(): void;
  readonly size: number;
  readonly capacity: number;
  readonly isFull: boolean;
  /** Bytes held by the table. */
  readonly bytes: number;
}

const SEED_HI = 0x9e3779b1;
const SEED_LO = 0x85ebca77;
// Slot states: both words 0 = empty; hi 0 and lo 1 = deleted. A fingerprint never takes either (lo gets bit 1 set).
const DELETED_LO = 1;

export function createFingerprintSet(capacity: number): FingerprintSet {
  if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  let slots = 8;
  while (slots * 0.7 < capacity) slots *= 2;
  const mask = slots - 1;
  const hi = new Uint32Array(slots);
  const lo = new Uint32Array(slots);
  let size = 0;
  // Occupied or deleted slots: probing stays short while this is under 70 % of the table.
  let used = 0;

  const fingerprint = (value: string): [number, number] => {
    const h = xxhash32(value, SEED_HI) >>> 0;
    let l = xxhash32(value, SEED_LO) >>> 0;
    if (h === 0 && l < 2) l |= 2;
    return [h, l];
  };
  const find = (h: number, l: number): number => {
    let i = (h ^ Math.imul(l, 0x27d4eb2d)) & mask;
    for (;;) {
      const sh = hi[i]!;
      const sl = lo[i]!;
      if (sh === 0 && sl === 0) return -1 - i;
      if (sh === h && sl === l) return i;
      i = (i + 1) & mask;
    }
  };

  return {
    has(value) {
      const [h, l] = fingerprint(value);
      return find(h, l) >= 0;
    },
    add(value) {
      const [h, l] = fingerprint(value);
      const at = find(h, l);
      if (at >= 0) return true;
      if (size >= capacity || used >= slots * 0.7) return false;
      const slot = -1 - at;
      hi[slot] = h;
      lo[slot] = l;
      size++;
      used++;
      return true;
    },
    delete(value) {
      const [h, l] = fingerprint(value);
      const at = find(h, l);
      if (at < 0) return;
      hi[at] = 0;
      lo[at] = DELETED_LO;
      size--;
    },
    clear() {
      if (used === 0) return;
      hi.fill(0);
      lo.fill(0);
      size = 0;
      used = 0;
    },
    get size() {
      return size;
    },
    capacity,
    get isFull() {
      return size >= capacity || used >= slots * 0.7;
    },
    bytes: slots * 8,
  };
}
