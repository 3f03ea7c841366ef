import { type ReactNode, useMemo, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { Experiment, ExperimentStatus } from "../api/api-types.js";
import { experimentStatuses } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { Badge, StatusBadge } from "../components/badge.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { filterExperiments } from "../format/experiment-filter.js";
import { overview } from "../format/experiment-overview.js";
import { comparisonCells } from "../format/metric-format.js";
import { formatDate } from "../format/number-format.js";
import { hrefOf } from "../router.js";

/** The primary metric (ITT, raw) and the server's badges, from the list answer itself. */
function ResultCell({ experiment }: { readonly experiment: Experiment }): ReactNode {
  const r = experiment.results;
  if (r === undefined || r === null) {
    const started = ["running", "paused", "completed", "archived"].includes(experiment.status);
    return (
      <td data-label="Primary metric" className="muted">
        {started ? "no results yet" : "not started"}
      </td>
    );
  }
  const o = overview(
    experiment,
    { experiment_key: experiment.key, results: r.results, quality: r.quality },
    "itt",
    "raw",
    new Date().toISOString(),
  );
  const first = o.primary?.comparisons[0];
  const reasons = r.badge_reasons.join("; ");
  return (
    <td data-label="Primary metric">
      {first === undefined || o.primary === undefined ? (
        <span className="muted">no primary result</span>
      ) : (
        <span className={`tone-text-${first.tone}`}>
          {o.primary.metricKey}: {comparisonCells(first, o.primary.kind).relative}{" "}
          <span className="muted nowrap">p {comparisonCells(first, o.primary.kind).pValue}</span>
        </span>
      )}
      <span className="badges">
        {r.badges.srm ? (
          <Badge tone="negative" title={reasons}>
            SRM
          </Badge>
        ) : null}
        {r.badges.guardrail_breach ? (
          <Badge tone="negative" title={reasons}>
            guardrail
          </Badge>
        ) : null}
        {r.badges.data_quality ? (
          <Badge tone="warning" title={reasons}>
            data quality
          </Badge>
        ) : null}
      </span>
    </td>
  );
}

/** The experiments list: status, team, dates, primary result and badges; search and filters. */
export function ExperimentsPage(): ReactNode {
  const api = useApi();
  const [list, reload] = useResource(() => api.listExperiments(), []);
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<ExperimentStatus | "all">("all");
  const [team, setTeam] = useState("all");
  const teams = useMemo(
    () => (list.state === "ready" ? [...new Set(list.data.map((e) => e.owner_team))].sort() : []),
    [list],
  );
  return (
    <section aria-labelledby="experiments-title">
      <div className="page-head">
        <h1 id="experiments-title">Experiments</h1>
        <a className="button" href={hrefOf({ page: "new" })}>
          New experiment
        </a>
      </div>
      <search>
        <form className="filters" aria-label="Filter experiments" onSubmit={(e) => e.preventDefault()}>
          <label>
            Search
            <input
              type="search"
              value={query}
              placeholder="key, name, hypothesis…"
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value as ExperimentStatus | "all")}>
              <option value="all">all</option>
              {experimentStatuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Team
            <select value={team} onChange={(e) => setTeam(e.target.value)}>
              <option value="all">all</option>
              {teams.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </form>
      </search>
      {list.state === "loading" ? <Loading what="experiments" /> : null}
      {list.state === "error" ? <ErrorView what="experiments" error={list.error} onRetry={reload} /> : null}
      {list.state === "ready" ? (
        <ExperimentTable
          experiments={filterExperiments(list.data, { query, status, team })}
          total={list.data.length}
        />
      ) : null}
    </section>
  );
}

function ExperimentTable({
  experiments,
  total,
}: {
  readonly experiments: ReadonlyArray<Experiment>;
  readonly total: number;
}): ReactNode {
  if (total === 0) {
    return (
      <Empty>
        No experiments yet. <a href={hrefOf({ page: "new" })}>Create the first one</a>.
      </Empty>
    );
  }
  if (experiments.length === 0) return <Empty>No experiment matches these filters.</Empty>;
  return (
    <table className="table experiments-table">
      <caption className="visually-hidden">
        {experiments.length} of {total} experiments
      </caption>
      <thead>
        <tr>
          <th scope="col">Experiment</th>
          <th scope="col">Status</th>
          <th scope="col">Team</th>
          <th scope="col">Start</th>
          <th scope="col">End</th>
          <th scope="col">Primary metric (ITT, relative)</th>
        </tr>
      </thead>
      <tbody>
        {experiments.map((e) => (
          <tr key={e.key}>
            <td data-label="Experiment">
              <a href={hrefOf({ page: "experiment", key: e.key })}>{e.name}</a>
              <div className="muted mono">{e.key}</div>
            </td>
            <td data-label="Status">
              <StatusBadge status={e.status} />
            </td>
            <td data-label="Team">{e.owner_team}</td>
            <td data-label="Start">{formatDate(e.start_at)}</td>
            <td data-label="End">{formatDate(e.end_at)}</td>
            <ResultCell experiment={e} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
