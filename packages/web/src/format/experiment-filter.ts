import type { Experiment, ExperimentStatus } from "../api/api-types.js";

export interface ExperimentFilter {
  readonly query: string;
  readonly status: ExperimentStatus | "all";
  readonly team: string | "all";
}

/**
 * The experiments matching a free-text query (key, name, hypothesis, team), a status and a team.
 * @example filterExperiments(list, { query: "checkout", status: "running", team: "all" })
 */
export function filterExperiments<
  E extends Pick<Experiment, "key" | "name" | "hypothesis" | "owner_team" | "status">,
>(experiments: ReadonlyArray<E>, filter: ExperimentFilter): E[] {
  const terms = filter.query
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== "");
  return experiments.filter((e) => {
    if (filter.status !== "all" && e.status !== filter.status) return false;
    if (filter.team !== "all" && e.owner_team !== filter.team) return false;
    const text = `${e.key} ${e.name} ${e.hypothesis} ${e.owner_team}`.toLowerCase();
    return terms.every((t) => text.includes(t));
  });
}
