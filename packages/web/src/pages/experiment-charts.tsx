import { type ReactNode, useState } from "react";
import type { AnalysisMode, CumulativeSeries, ExposureQualityDay } from "../api/api-types.js";
import { LineChart } from "../components/line-chart.js";
import { Empty } from "../components/state-views.js";
import { exposureRatePoints, MIN_UNITS_FOR_DAILY_RATE } from "../format/exposure-days.js";
import { formatDifference } from "../format/metric-format.js";
import type { MetricKind } from "../format/metric-results.js";
import { formatCount, formatPercent } from "../format/number-format.js";

const dayMs = (d: string): number => Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d);
const formatDay = (x: number): string =>
  new Date(x).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/** Cumulative uplift with its interval over time, and the sequential boundary when the server provides it. */
export function CumulativeChart({
  series,
  mode,
  kindOf,
}: {
  readonly series: ReadonlyArray<CumulativeSeries> | undefined;
  readonly mode: AnalysisMode;
  readonly kindOf: (metricKey: string) => MetricKind;
}): ReactNode {
  const available = (series ?? []).filter((s) => s.analysis_mode === mode && s.points.length > 0);
  const [choice, setChoice] = useState(0);
  if (available.length === 0) {
    return <Empty>The server does not provide a per-day cumulative series for this experiment yet.</Empty>;
  }
  const s = available[Math.min(choice, available.length - 1)]!;
  const fmt = formatDifference(kindOf(s.metric_id));
  const hasBounds = s.points.some((p) => p.bound_high !== null && p.bound_high !== undefined);
  return (
    <div>
      {available.length > 1 ? (
        <label className="inline-label">
          Series{" "}
          <select value={choice} onChange={(e) => setChoice(Number(e.target.value))}>
            {available.map((a, i) => (
              <option key={`${a.metric_id}:${a.variation_id}`} value={i}>
                {a.metric_id} · {a.variation_id}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <LineChart
        title={`Cumulative difference of ${s.metric_id} for ${s.variation_id} over time, with its interval${hasBounds ? " and the sequential boundary" : ""}`}
        formatX={formatDay}
        formatY={fmt}
        zeroLine
        band={{
          name: "interval",
          points: s.points.map((p) => ({ x: dayMs(p.date_day), low: p.ci_low, high: p.ci_high })),
        }}
        series={[
          {
            name: "cumulative difference",
            className: "s-primary",
            points: s.points.map((p) => ({ x: dayMs(p.date_day), y: p.uplift_abs })),
          },
          ...(hasBounds
            ? [
                {
                  name: "sequential boundary",
                  className: "s-bound",
                  dashed: true,
                  points: s.points.map((p) => ({ x: dayMs(p.date_day), y: p.bound_high ?? null })),
                },
                {
                  name: "sequential boundary (lower)",
                  className: "s-bound s-hidden-legend",
                  dashed: true,
                  points: s.points.map((p) => ({ x: dayMs(p.date_day), y: p.bound_low ?? null })),
                },
              ]
            : []),
        ]}
      />
    </div>
  );
}

/** Exposure health per day: the exposure rate, and counts of invalid exposures. */
export function ExposureHealth({
  days,
}: {
  readonly days: ReadonlyArray<ExposureQualityDay> | undefined;
}): ReactNode {
  if (days === undefined || days.length === 0) {
    return <Empty>No daily exposure health from the server for this experiment.</Empty>;
  }
  const sorted = [...days].sort((a, b) => a.date_day.localeCompare(b.date_day));
  const at = (d: ExposureQualityDay): number => dayMs(d.date_day);
  return (
    <div className="chart-grid">
      <LineChart
        title="Exposure rate per assignment day"
        formatX={formatDay}
        formatY={(y) => formatPercent(y, 0)}
        yDomain={[0, 1]}
        noteLegend={`fewer than ${MIN_UNITS_FOR_DAILY_RATE} assigned units`}
        series={[
          {
            name: "exposure rate",
            className: "s-primary",
            points: exposureRatePoints(sorted),
          },
        ]}
      />
      <LineChart
        title="Invalid exposures per day (units)"
        formatX={formatDay}
        formatY={(y) => formatCount(y)}
        integerY
        yDomain={[
          0,
          Math.max(
            0,
            ...sorted.flatMap((d) => [
              d.pre_assignment_exposure_units,
              d.variant_mismatch_units,
              d.multi_variation_exposure_units,
              d.exposure_outside_window_units,
            ]),
          ),
        ]}
        series={[
          {
            name: "pre-assignment",
            className: "s-1",
            points: sorted.map((d) => ({ x: at(d), y: d.pre_assignment_exposure_units })),
          },
          {
            name: "variant mismatch",
            className: "s-2",
            points: sorted.map((d) => ({ x: at(d), y: d.variant_mismatch_units })),
          },
          {
            name: "multi-variation",
            className: "s-3",
            points: sorted.map((d) => ({ x: at(d), y: d.multi_variation_exposure_units })),
          },
          {
            name: "late / outside window",
            className: "s-4",
            points: sorted.map((d) => ({ x: at(d), y: d.exposure_outside_window_units })),
          },
        ]}
      />
      <details>
        <summary>Daily table</summary>
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="num">
                  Assigned
                </th>
                <th scope="col" className="num">
                  Exposed
                </th>
                <th scope="col" className="num">
                  Rate
                </th>
                <th scope="col" className="num">
                  Pre-assignment
                </th>
                <th scope="col" className="num">
                  Mismatch
                </th>
                <th scope="col" className="num">
                  Multi-variation
                </th>
                <th scope="col" className="num">
                  Outside window
                </th>
                <th scope="col" className="num">
                  Orphan rows
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((d) => (
                <tr key={d.date_day}>
                  <th scope="row">{d.date_day.slice(0, 10)}</th>
                  <td className="num">{formatCount(d.assigned_units)}</td>
                  <td className="num">{formatCount(d.exposed_units)}</td>
                  <td className="num">{formatPercent(d.exposure_rate, 1)}</td>
                  <td className="num">{formatCount(d.pre_assignment_exposure_units)}</td>
                  <td className="num">{formatCount(d.variant_mismatch_units)}</td>
                  <td className="num">{formatCount(d.multi_variation_exposure_units)}</td>
                  <td className="num">{formatCount(d.exposure_outside_window_units)}</td>
                  <td className="num">{formatCount(d.orphan_exposure_rows)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
