import type { ReactNode } from "react";
import { extent, linearScale } from "../format/scale.js";

export interface LinePoint {
  readonly x: number;
  readonly y: number | null;
}

export interface LineSeries {
  readonly name: string;
  readonly points: ReadonlyArray<LinePoint>;
  readonly className: string;
  readonly dashed?: boolean;
}

export interface Band {
  readonly name: string;
  readonly points: ReadonlyArray<{
    readonly x: number;
    readonly low: number | null;
    readonly high: number | null;
  }>;
}

const WIDTH = 640;
const HEIGHT = 220;
const LEFT = 64;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 28;

function path(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
}

/**
 * A time-series chart: lines, an optional shaded interval band and a zero line (hand-written SVG).
 * @example <LineChart title="Exposure rate" series={[{ name: "rate", points, className: "s1" }]} formatY={formatPercent} formatX={formatDay} />
 */
export function LineChart({
  title,
  series,
  band,
  formatY,
  formatX,
  zeroLine = false,
  yDomain,
}: {
  readonly title: string;
  readonly series: ReadonlyArray<LineSeries>;
  readonly band?: Band;
  readonly formatY: (y: number) => string;
  readonly formatX: (x: number) => string;
  readonly zeroLine?: boolean;
  readonly yDomain?: readonly [number, number];
}): ReactNode {
  const xs = extent(series.flatMap((s) => s.points.map((p) => p.x)));
  const ys =
    yDomain ??
    extent([
      ...series.flatMap((s) => s.points.map((p) => p.y)),
      ...(band?.points.flatMap((p) => [p.low, p.high]) ?? []),
      ...(zeroLine ? [0] : []),
    ]);
  if (xs === undefined || ys === undefined) return null;
  const x = linearScale(xs, [LEFT, WIDTH - RIGHT], 6);
  const xAt = (v: number): number =>
    xs[0] === xs[1]
      ? (LEFT + WIDTH - RIGHT) / 2
      : LEFT + ((v - xs[0]) / (xs[1] - xs[0])) * (WIDTH - RIGHT - LEFT);
  const y = linearScale(ys, [HEIGHT - BOTTOM, TOP], 4);
  const xTicks = x.ticks.length > 0 ? (series[0]?.points.map((p) => p.x) ?? []) : [];
  const everyNth = Math.max(1, Math.ceil(xTicks.length / 6));
  const bandPoints = (band?.points ?? []).filter(
    (p): p is { x: number; low: number; high: number } => p.low !== null && p.high !== null,
  );
  const bandPath =
    bandPoints.length > 1
      ? `${path(bandPoints.map((p) => ({ x: xAt(p.x), y: y(p.high) })))}${bandPoints
          .slice()
          .reverse()
          .map((p) => `L${xAt(p.x).toFixed(1)},${y(p.low).toFixed(1)}`)
          .join("")}Z`
      : undefined;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {y.ticks.map((t) => (
          <g key={t}>
            <line
              x1={LEFT}
              x2={WIDTH - RIGHT}
              y1={y(t)}
              y2={y(t)}
              className={zeroLine && t === 0 ? "axis-zero" : "grid"}
            />
            <text x={LEFT - 6} y={y(t) + 4} textAnchor="end" className="tick">
              {formatY(t)}
            </text>
          </g>
        ))}
        {xTicks
          .filter((_, i) => i % everyNth === 0)
          .map((t) => (
            <text key={t} x={xAt(t)} y={HEIGHT - 8} textAnchor="middle" className="tick">
              {formatX(t)}
            </text>
          ))}
        {bandPath === undefined ? null : <path d={bandPath} className="band" />}
        {series.map((s) => {
          const pts = s.points
            .filter((p): p is { x: number; y: number } => p.y !== null)
            .map((p) => ({ x: xAt(p.x), y: y(p.y) }));
          return (
            <g key={s.name} className={s.className}>
              <path d={path(pts)} className={s.dashed === true ? "line dashed" : "line"} />
              {pts.length <= 40 && s.dashed !== true
                ? pts.map((p) => <circle key={p.x} cx={p.x} cy={p.y} r={2.5} className="dot" />)
                : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s) => (
          <span key={s.name} className={`legend-item ${s.className}`}>
            <span className={s.dashed === true ? "swatch dashed" : "swatch"} aria-hidden="true" /> {s.name}
          </span>
        ))}
        {band === undefined ? null : (
          <span className="legend-item">
            <span className="swatch band-swatch" aria-hidden="true" /> {band.name}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
