// The data set both pipeline benches generate (bench/run.ts and bench/engines.ts), so their figures describe the
// same rows: at ASSAY_BENCH_SCALE=1, 5M users → 10M assignments / 20M exposures / 50M events.

import { defaultExperiments } from "../src/generator/generator-options.js";
import type { GenerateOptions } from "../src/index.js";

/** ASSAY_BENCH_SCALE (default 1): the share of the full-size data set to generate. */
export const benchScale = Number(process.env.ASSAY_BENCH_SCALE ?? "1");

export const benchUsers = Math.round(5_000_000 * benchScale);

/**
 * The generator's default experiments with every user in both (so each unit is assigned twice), everyone exposed,
 * a 5% lift on exp_checkout's treatment and none elsewhere, ~9.7 sessions per user, no user attributes.
 * @example const generated = await generateDataset(engine, benchDatasetOptions());
 */
export function benchDatasetOptions(users: number = benchUsers): GenerateOptions {
  return {
    seed: 42,
    users,
    experiments: defaultExperiments.map((experiment) => ({ ...experiment, participation: 1 })),
    effects: { exp_checkout: { treatment: 0.05 } },
    exposureRate: 1,
    sessionsPerUser: 9.7,
    // The figures stay comparable with the runs before segments existed (no attribute table, no segment models).
    userAttributes: false,
  };
}
