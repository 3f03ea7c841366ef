import { type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { AnalysisMode, Experiment, SegmentsInfo } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { Badge } from "../components/badge.js";
import { ForestPlot } from "../components/forest-plot.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { comparisonCells, formatDifference } from "../format/metric-format.js";
import type { Variance } from "../format/metric-results.js";
import { formatCount, formatPValue } from "../format/number-format.js";
import { type SegmentMetricView, segmentAttributes, segmentMetricViews } from "../format/segment-results.js";

/**
 * Drill-down by a segment attribute: a select of the attributes the summary lists, then per metric a table of
 * each segment value (units per variant, relative change, difference with its interval, p-value and the
 * adjusted p-value) and a forest plot, for the page's analysis mode and estimator.
 */
export function SegmentDrillDown({
  experiment: e,
  segments,
  mode,
  variance,
}: {
  readonly experiment: Experiment;
  readonly segments: SegmentsInfo | undefined;
  readonly mode: AnalysisMode;
  readonly variance: Variance;
}): ReactNode {
  const { attributes, reason } = segmentAttributes(segments);
  const [picked, setPicked] = useState("");
  const attribute = attributes.includes(picked) ? picked : "";
  return (
    <section className="card" aria-labelledby="segments-title">
      <h2 id="segments-title">Drill-down by segment</h2>
      {attributes.length === 0 ? (
        <Empty>{reason}</Empty>
      ) : (
        <>
          <label className="inline-label">
            Drill down by{" "}
            <select value={attribute} onChange={(ev) => setPicked(ev.target.value)}>
              <option value="">Choose an attribute…</option>
              {attributes.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          {attribute === "" ? (
            <p className="muted small">
              Choose a user attribute to compare the variants within each of its values.
            </p>
          ) : (
            <SegmentResultsView experiment={e} attribute={attribute} mode={mode} variance={variance} />
          )}
        </>
      )}
    </section>
  );
}

function SegmentResultsView({
  experiment: e,
  attribute,
  mode,
  variance,
}: {
  readonly experiment: Experiment;
  readonly attribute: string;
  readonly mode: AnalysisMode;
  readonly variance: Variance;
}): ReactNode {
  const api = useApi();
  const cuped = variance === "cuped";
  const [results, reload] = useResource(
    () => api.getSegmentResults(e.key, attribute, { mode, cuped }),
    [e.key, attribute, mode, cuped],
  );
  if (results.state === "error")
    return <ErrorView what={`results by ${attribute}`} error={results.error} onRetry={reload} />;
  const r = results.state === "ready" ? results.data : null;
  // useResource keeps the last answer while the next loads: an answer for another choice counts as loading.
  if (r === null || r.attribute !== attribute || r.analysis_mode !== mode || r.cuped !== cuped)
    return <Loading what={`results by ${attribute}`} />;
  const views = segmentMetricViews(r);
  const variants = e.variants.map((v) => v.key);
  return (
    <div className="segment-results" aria-live="polite">
      <p className="segment-note">
        <Badge tone="warning">exploratory</Badge> {r.note}
      </p>
      {views.length === 0 ? <Empty>No per-segment results for this analysis mode.</Empty> : null}
      {views.map((v) => (
        <SegmentMetric key={v.metricKey} view={v} attribute={attribute} variants={variants} alpha={r.alpha} />
      ))}
    </div>
  );
}

function SegmentMetric({
  view,
  attribute,
  variants,
  alpha,
}: {
  readonly view: SegmentMetricView;
  readonly attribute: string;
  readonly variants: ReadonlyArray<string>;
  readonly alpha: number;
}): ReactNode {
  const id = `segment-metric-${view.metricKey}`;
  const label = (value: string, variant: string) =>
    view.multipleTreatments ? `${value} · ${variant}` : value;
  const confidence = `${Math.round((1 - alpha) * 100)}%`;
  return (
    <article className="segment-metric" aria-labelledby={id}>
      <h3 id={id} className="mono">
        {view.metricKey} <span className="muted small">by {attribute}</span>
      </h3>
      <div className="table-scroll">
        <table className="table segments-table">
          <thead>
            <tr>
              <th scope="col">{attribute}</th>
              {view.multipleTreatments ? <th scope="col">Variant</th> : null}
              {variants.map((v) => (
                <th key={v} scope="col" className="num">
                  {v} units
                </th>
              ))}
              <th scope="col" className="num">
                Relative
              </th>
              <th scope="col" className="num">
                Difference [{confidence} interval]
              </th>
              <th scope="col" className="num">
                p-value
              </th>
              <th scope="col" className="num">
                Adjusted p
              </th>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((row) => {
              const c = row.comparison;
              const cells = comparisonCells(c, view.kind);
              const units = new Map(row.units);
              return (
                <tr key={`${row.value}:${c.variationId}`} className={`tone-row-${c.tone}`}>
                  <th scope="row" data-label={attribute}>
                    {row.value}
                  </th>
                  {view.multipleTreatments ? <td data-label="Variant">{c.variationId}</td> : null}
                  {variants.map((v) => (
                    <td key={v} className="num" data-label={`${v} units`}>
                      {formatCount(units.get(v) ?? null)}
                    </td>
                  ))}
                  <td className={`num tone-text-${c.tone}`} data-label="Relative">
                    {cells.relative}
                  </td>
                  <td className="num" data-label={`Difference [${confidence}]`}>
                    <span>
                      {cells.difference} {cells.interval}
                    </span>
                  </td>
                  <td className="num" data-label="p-value">
                    {cells.pValue}
                  </td>
                  <td className="num" data-label="Adjusted p">
                    {formatPValue(row.pValueAdjusted)}
                    {c.significant ? (
                      <span className="visually-hidden"> (significant after adjustment)</span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ForestPlot
        title={`${view.metricKey} by ${attribute}, difference against control`}
        format={formatDifference(view.kind)}
        rows={view.rows.map((row) => ({
          label: label(row.value, row.comparison.variationId),
          estimate: row.comparison.upliftAbs,
          low: row.comparison.ciLow,
          high: row.comparison.ciHigh,
          tone: row.comparison.tone,
        }))}
      />
    </article>
  );
}
