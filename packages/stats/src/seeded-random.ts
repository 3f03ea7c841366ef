/** A deterministic source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded pseudo-random generator (mulberry32, 32-bit state) for simulations and tests; library
 * code never calls Math.random.
 * @example
 * const random = createSeededRandom(42);
 * random(); // same value on every run
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal draws from a uniform source by the Box–Muller transform.
 * @example
 * const normal = createNormalSampler(createSeededRandom(1));
 * normal(); // a N(0, 1) draw
 */
export function createNormalSampler(random: RandomSource): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
