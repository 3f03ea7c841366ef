import type { ReactNode } from "react";
import { forestDomain } from "../format/forest-domain.js";
import { labelledTicks, linearScale } from "../format/scale.js";
import { useElementWidth } from "./use-element-width.js";

export interface ForestRow {
  readonly label: string;
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly tone: "positive" | "negative" | "neutral";
}

const ROW = 34;
const PAD = 16;
/** Approximate width of one character at the plots' 12 px font. */
const CHAR = 7;

/** A small triangle at `x` pointing left (-1) or right (+1): an interval going on beyond the axis. */
function arrow(x: number, y: number, direction: -1 | 1): string {
  return `M${x},${y - 5}L${x + 7 * direction},${y}L${x},${y + 5}Z`;
}

/**
 * Intervals of each comparison on one axis with the no-effect line at zero (hand-written SVG), drawn at the
 * card's full width. A row whose interval is much wider than the others' (a tiny segment) does not stretch the
 * axis: it is clipped at the edge with an arrow, and its numbers stay in the table and the description.
 * @example <ForestPlot rows={[{ label: "treatment", estimate: 0.004, low: 0, high: 0.008, tone: "positive" }]} format={formatPercentagePoints} title="conversion_7d" />
 */
export function ForestPlot({
  rows,
  format,
  title,
}: {
  readonly rows: ReadonlyArray<ForestRow>;
  readonly format: (x: number) => string;
  readonly title: string;
}): ReactNode {
  const [ref, width] = useElementWidth<HTMLDivElement>(640);
  const bounds = forestDomain(rows);
  if (bounds === undefined || rows.length === 0) return <div ref={ref} className="forest-plot" />;
  const label = Math.min(
    Math.max(60, CHAR * Math.max(...rows.map((r) => r.label.length)) + 12),
    width * 0.35,
  );
  const probe = linearScale(bounds, [0, 1], 4);
  const tickChars = Math.max(...probe.ticks.map((t) => format(t).length));
  // Room for half a tick label on the right, so the last one is never clipped.
  const right = width - Math.max(PAD, (CHAR * tickChars) / 2 + 4);
  const x = linearScale(bounds, [label + PAD, right], width < 480 ? 3 : 5);
  const [lo, hi] = x.domain;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const ticks = labelledTicks(x.ticks, format);
  const height = rows.length * ROW + 30;
  const clipped = (r: ForestRow) => (r.low !== null && r.low < lo) || (r.high !== null && r.high > hi);
  const description = rows
    .map(
      (r) =>
        `${r.label}: ${r.estimate === null ? "no estimate" : format(r.estimate)}${r.low !== null && r.high !== null ? `, interval ${format(r.low)} to ${format(r.high)}` : ""}${clipped(r) ? " (wider than the axis)" : ""}`,
    )
    .join("; ");
  return (
    <div ref={ref} className="forest-plot">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Forest plot of ${title}. ${description}`}
      >
        {ticks.map((t) => (
          <g key={t.value}>
            <line
              x1={x(t.value)}
              x2={x(t.value)}
              y1={4}
              y2={height - 24}
              className={t.value === 0 ? "axis-zero" : "grid"}
            />
            <text x={x(t.value)} y={height - 8} textAnchor="middle" className="tick">
              {t.label}
            </text>
          </g>
        ))}
        {rows.map((r, i) => {
          const y = 4 + i * ROW + ROW / 2;
          const cutLow = r.low !== null && r.low < lo;
          const cutHigh = r.high !== null && r.high > hi;
          return (
            <g key={r.label} className={`forest-row tone-${r.tone}${cutLow || cutHigh ? " clipped" : ""}`}>
              <text x={label} y={y + 4} textAnchor="end" className="row-label">
                {r.label}
              </text>
              {r.low !== null && r.high !== null ? (
                <>
                  <line x1={x(clamp(r.low))} x2={x(clamp(r.high))} y1={y} y2={y} className="ci" />
                  {cutLow ? (
                    <path d={arrow(x(lo), y, -1)} className="ci-arrow" />
                  ) : (
                    <line x1={x(r.low)} x2={x(r.low)} y1={y - 6} y2={y + 6} className="ci" />
                  )}
                  {cutHigh ? (
                    <path d={arrow(x(hi), y, 1)} className="ci-arrow" />
                  ) : (
                    <line x1={x(r.high)} x2={x(r.high)} y1={y - 6} y2={y + 6} className="ci" />
                  )}
                </>
              ) : null}
              {r.estimate !== null && r.estimate >= lo && r.estimate <= hi ? (
                <rect x={x(r.estimate) - 5} y={y - 5} width={10} height={10} className="point" />
              ) : null}
              {cutLow || cutHigh ? (
                <title>{`${r.label}: interval wider than the axis (few units)`}</title>
              ) : null}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
