import type { ReactNode } from "react";
import { extent, linearScale } from "../format/scale.js";

export interface ForestRow {
  readonly label: string;
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly tone: "positive" | "negative" | "neutral";
}

const ROW = 34;
const LABEL = 150;
const WIDTH = 640;
const PAD = 16;

/**
 * Intervals of each comparison on one axis with the no-effect line at zero (hand-written SVG).
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
  const bounds = extent(rows.flatMap((r) => [r.low, r.high, r.estimate]).concat(0));
  if (bounds === undefined || rows.length === 0) return null;
  const x = linearScale(bounds, [LABEL + PAD, WIDTH - PAD], 4);
  const height = rows.length * ROW + 30;
  const description = rows
    .map(
      (r) =>
        `${r.label}: ${r.estimate === null ? "no estimate" : format(r.estimate)}${r.low !== null && r.high !== null ? `, interval ${format(r.low)} to ${format(r.high)}` : ""}`,
    )
    .join("; ");
  return (
    <svg
      className="forest-plot"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-label={`Forest plot of ${title}. ${description}`}
    >
      {x.ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={4} y2={height - 24} className={t === 0 ? "axis-zero" : "grid"} />
          <text x={x(t)} y={height - 8} textAnchor="middle" className="tick">
            {format(t)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const y = 4 + i * ROW + ROW / 2;
        return (
          <g key={r.label} className={`forest-row tone-${r.tone}`}>
            <text x={LABEL} y={y + 4} textAnchor="end" className="row-label">
              {r.label}
            </text>
            {r.low !== null && r.high !== null ? (
              <>
                <line x1={x(r.low)} x2={x(r.high)} y1={y} y2={y} className="ci" />
                <line x1={x(r.low)} x2={x(r.low)} y1={y - 6} y2={y + 6} className="ci" />
                <line x1={x(r.high)} x2={x(r.high)} y1={y - 6} y2={y + 6} className="ci" />
              </>
            ) : null}
            {r.estimate !== null ? (
              <rect x={x(r.estimate) - 5} y={y - 5} width={10} height={10} className="point" />
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
