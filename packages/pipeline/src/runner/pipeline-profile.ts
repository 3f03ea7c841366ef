import type { ModelRunReport } from "../models/run-models.js";

/** Where a run's time went: per model (build and its data tests) and per phase, in seconds. */
export interface PipelineProfile {
  readonly warehouse: string;
  readonly models: ReadonlyArray<{
    readonly model: string;
    readonly materialized: "table" | "view";
    /** Rows of a table; null for a view (counting would compute it). */
    readonly rows: number | null;
    readonly seconds: number;
    readonly test_seconds: number;
  }>;
  readonly phases: {
    readonly load_seconds: number;
    readonly models_seconds: number;
    readonly statistics_seconds: number;
    readonly write_seconds: number;
  };
  readonly total_seconds: number;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The profile of a run from its model reports and phase timings (milliseconds). */
export function createProfile(
  warehouse: string,
  models: ReadonlyArray<ModelRunReport>,
  phases: { load: number; models: number; statistics: number; write: number },
  totalMs: number,
): PipelineProfile {
  return {
    warehouse,
    models: models.map((m) => ({
      model: m.model,
      materialized: m.rows === null ? "view" : "table",
      rows: m.rows,
      seconds: seconds(m.elapsedMs),
      test_seconds: seconds(m.testElapsedMs ?? 0),
    })),
    phases: {
      load_seconds: seconds(phases.load),
      models_seconds: seconds(phases.models),
      statistics_seconds: seconds(phases.statistics),
      write_seconds: seconds(phases.write),
    },
    total_seconds: seconds(totalMs),
  };
}

/**
 * The profile as aligned text lines, e.g. `fact_assignment   10,000 rows   0.412s  tests 0.031s`.
 * @example process.stdout.write(`${formatProfile(run.profile).join("\n")}\n`);
 */
export function formatProfile(profile: PipelineProfile): string[] {
  const width = Math.max(5, ...profile.models.map((m) => m.model.length));
  const lines = profile.models.map(
    (m) =>
      `  ${m.model.padEnd(width)} ${(m.rows === null ? "view" : `${m.rows.toLocaleString("en-US")} rows`).padStart(16)} ${m.seconds.toFixed(3).padStart(9)}s  tests ${m.test_seconds.toFixed(3)}s`,
  );
  const p = profile.phases;
  return [
    `profile (${profile.warehouse}):`,
    ...lines,
    `  load ${p.load_seconds.toFixed(3)}s, models ${p.models_seconds.toFixed(3)}s, statistics ${p.statistics_seconds.toFixed(3)}s, write ${p.write_seconds.toFixed(3)}s, total ${profile.total_seconds.toFixed(3)}s`,
  ];
}
