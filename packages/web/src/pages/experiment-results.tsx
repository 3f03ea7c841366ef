import type { ReactNode } from "react";
import type { AnalysisInfo } from "../api/api-types.js";
import { Badge } from "../components/badge.js";
import { ForestPlot } from "../components/forest-plot.js";
import { comparisonCells, formatDifference, formatLevel } from "../format/metric-format.js";
import type { MetricView } from "../format/metric-results.js";
import {
  formatCount,
  formatInterval,
  formatPercent,
  formatPValue,
  formatSignedPercent,
} from "../format/number-format.js";

const roleTone = { primary: "info", secondary: "neutral", guardrail: "warning", other: "neutral" } as const;

/** One metric: each variant against control in a table, and the intervals as a forest plot. */
export function MetricResults({
  view,
  alpha,
  analysis,
}: {
  readonly view: MetricView;
  readonly alpha: number;
  /** The experiment's analysis method (from the summary); absent from older servers. */
  readonly analysis?: AnalysisInfo | undefined;
}): ReactNode {
  const level = formatLevel(view.kind);
  const diff = formatDifference(view.kind);
  const confidence = `${Math.round((1 - alpha) * 100)}%`;
  const byMethod = analysis !== undefined && view.comparisons.some((c) => c.method === "analysis");
  // Short headers (the method's full name is the column's title and the note below the table).
  const intervalLabel = byMethod
    ? `${analysis.method === "always_valid" ? "Always-valid" : analysis.method === "group_sequential" ? "Sequential" : "Fixed-horizon"} interval`
    : `${confidence} interval (fixed sample)`;
  return (
    <article className="metric card" aria-labelledby={`metric-${view.metricKey}`}>
      <header className="metric-head">
        <h3 id={`metric-${view.metricKey}`} className="mono">
          {view.metricKey}
        </h3>
        <Badge tone={roleTone[view.role]}>{view.role}</Badge>
        <span className="muted">goal: {view.direction}</span>
        {view.cupedUnavailable ? (
          <span className="muted">· CUPED not applicable (no pre-period covariate); raw shown</span>
        ) : null}
      </header>
      {view.note ? (
        <p className="muted small" data-metric-note={view.metricKey}>
          {view.note}
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="table results-table">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col" className="num">
                Units
              </th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col" className="num">
                Difference
              </th>
              <th scope="col" className="num">
                Relative
              </th>
              <th scope="col" className="num" title={byMethod ? analysis.label : undefined}>
                {intervalLabel}
              </th>
              <th scope="col" className="num">
                {byMethod ? "p-value (method)" : "p-value"}
              </th>
              {byMethod ? (
                <th scope="col" className="num muted">
                  Fixed-sample {confidence}, p
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {view.control === null ? null : (
              <tr>
                <th scope="row">
                  {view.control.variationId}
                  {view.control.variationId === "control" ? null : <span className="muted"> (control)</span>}
                </th>
                <td className="num">{formatCount(view.control.nUsers)}</td>
                <td className="num">{level(view.control.mean)}</td>
                <td className="num muted" colSpan={byMethod ? 5 : 4}>
                  baseline
                </td>
              </tr>
            )}
            {view.comparisons.map((c) => {
              const cells = comparisonCells(c, view.kind);
              return (
                <tr key={c.variationId} className={`tone-row-${c.tone}`}>
                  <th scope="row">{c.variationId}</th>
                  <td className="num">{formatCount(c.nUsers)}</td>
                  <td className="num">{cells.level}</td>
                  <td className={`num tone-text-${c.tone}`}>{cells.difference}</td>
                  <td className={`num tone-text-${c.tone}`}>{cells.relative}</td>
                  <td className="num">{cells.interval}</td>
                  <td className="num">
                    {cells.pValue}
                    {c.significant ? <span className="visually-hidden"> (significant)</span> : null}
                  </td>
                  {byMethod ? (
                    <td className="num muted">
                      {formatInterval(c.fixed.ciLow, c.fixed.ciHigh, diff)}, {formatPValue(c.fixed.pValue)}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {byMethod ? <p className="muted small analysis-note">{analysis.note}</p> : null}
      {view.comparisons.some((c) => c.cuped && c.varianceReductionPct !== null) ? (
        <p className="muted small">
          CUPED variance reduction:{" "}
          {view.comparisons
            .map((c) => `${c.variationId} ${formatPercent((c.varianceReductionPct ?? 0) / 100, 1)}`)
            .join(", ")}
        </p>
      ) : null}
      <ForestPlot
        title={`${view.metricKey}, difference against control`}
        format={diff}
        rows={view.comparisons.map((c) => ({
          label: c.variationId,
          estimate: c.upliftAbs,
          low: c.ciLow,
          high: c.ciHigh,
          tone: c.tone,
        }))}
      />
      {view.comparisons.length === 0 ? <p className="muted">No comparison for this metric yet.</p> : null}
      <p className="visually-hidden">
        {view.comparisons.map((c) => `${c.variationId}: ${formatSignedPercent(c.upliftRel)}`).join("; ")}
      </p>
    </article>
  );
}
