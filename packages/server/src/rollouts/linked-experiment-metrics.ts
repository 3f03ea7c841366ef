import type { Database } from "../db/database.js";
import type { ResultsSource } from "../decisions/lake-results-source.js";
import { getFlag } from "../registry/definition-store.js";
import { getExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import type { RolloutArms, RolloutMetricsSource } from "./rollout-scheduler.js";

/**
 * The server's guardrail numbers for a rollout: the flag's linked experiment (`experiment_key`), read as the decision
 * engine reads it (the latest pipeline results, intention to treat), its control arm as "not served" and its first
 * treatment as "served". A flag without a linked experiment, or an experiment without results yet, has no numbers:
 * its guardrails are "not testable" and never stop the ramp (docs/server.md says so).
 * @example createRolloutScheduler({ db, now, metrics: createLinkedExperimentMetrics(db, createLakeResultsSource({ lakeDir })) });
 */
export function createLinkedExperimentMetrics(
  db: Database,
  source: Pick<ResultsSource, "read">,
  now: () => Date = () => new Date(),
): RolloutMetricsSource {
  return async (rollout, metricKeys) => {
    const arms = new Map<string, RolloutArms>();
    const experiment = await withTeam(db, rollout.team, async (tx) => {
      const flag = await getFlag(tx, rollout.flagKey);
      return flag.experiment_key === null ? null : getExperiment(tx, flag.experiment_key);
    });
    if (experiment === null) return arms;
    const control = experiment.variants.find((v) => v.is_control)?.key;
    const treatment = experiment.variants.find((v) => !v.is_control)?.key;
    if (control === undefined || treatment === undefined) return arms;
    const data = await source.read(experiment.key, "itt", now());
    if (data === null) return arms;
    for (const key of metricKeys) {
      const byVariant = data.snapshot.metrics[key];
      const c = byVariant?.[control];
      const t = byVariant?.[treatment];
      if (c !== undefined && t !== undefined) arms.set(key, { control: c, treatment: t });
    }
    return arms;
  };
}
