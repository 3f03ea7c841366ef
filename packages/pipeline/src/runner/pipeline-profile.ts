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
    /** CPU seconds of the process (every warehouse thread when embedded) for the build and for its tests. */
    readonly cpu_seconds: number;
    readonly test_cpu_seconds: number;
  }>;
  readonly phases: {
    readonly load_seconds: number;
    readonly models_seconds: number;
    readonly statistics_seconds: number;
    readonly write_seconds: number;
  };
  /** The same phases in CPU seconds of this process (an embedded DuckDB's threads included). */
  readonly cpu_phases: PipelineProfile["phases"];
  readonly total_seconds: number;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The profile of a run from its model reports and phase timings (milliseconds). */
export function createProfile(
  warehouse: string,
  models: ReadonlyArray<ModelRunReport>,
  phases: { load: number; models: number; statistics: number; write: number },
  totalMs: number,
  cpuPhases: { load: number; models: number; statistics: number; write: number } = {
    load: 0,
    models: 0,
    statistics: 0,
    write: 0,
  },
): PipelineProfile {
  const inSeconds = (p: typeof phases) => ({
    load_seconds: seconds(p.load),
    models_seconds: seconds(p.models),
    statistics_seconds: seconds(p.statistics),
    write_seconds: seconds(p.write),
  });
  return {
    warehouse,
    models: models.map((m) => ({
      model: m.model,
      materialized: m.rows === null ? "view" : "table",
      rows: m.rows,
      seconds: seconds(m.elapsedMs),
      test_seconds: seconds(m.testElapsedMs ?? 0),
      cpu_seconds: seconds(m.cpuMs ?? 0),
      test_cpu_seconds: seconds(m.testCpuMs ?? 0),
    })),
    phases: inSeconds(phases),
    cpu_phases: inSeconds(cpuPhases),
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
