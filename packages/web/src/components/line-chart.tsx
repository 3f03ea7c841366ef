import type { ReactNode } from "react";
import { extent, labelledTicks, linearScale } from "../format/scale.js";
import { useElementWidth } from "./use-element-width.js";

export interface LinePoint {
  readonly x: number;
  readonly y: number | null;
  /** Marks a point not to be trusted like the others (e.g. a day with very few units): drawn hollow, with this title. */
  readonly note?: string;
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

const HEIGHT = 220;
const RIGHT = 16;
const TOP = 10;
const BOTTOM = 28;
/** Approximate width of one tick character at the charts' 12 px font, to size the left margin and x labels. */
const CHAR = 7.5;

function path(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
}

/**
 * A time-series chart: lines, an optional shaded interval band and a zero line (hand-written SVG). It is drawn
 * at its container's width, so its text has the page's size on a phone and on a wide screen alike; the first and
 * last x labels are anchored inside the plot, never clipped.
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
  integerY = false,
  noteLegend,
}: {
  readonly title: string;
  readonly series: ReadonlyArray<LineSeries>;
  readonly band?: Band;
  readonly formatY: (y: number) => string;
  readonly formatX: (x: number) => string;
  readonly zeroLine?: boolean;
  readonly yDomain?: readonly [number, number];
  /** Counts: whole-number y ticks. */
  readonly integerY?: boolean;
  /** Legend text for points with a `note` (shown when there is one). */
  readonly noteLegend?: string;
}): ReactNode {
  const [ref, width] = useElementWidth<HTMLElement>(640);
  const xs = extent(series.flatMap((s) => s.points.map((p) => p.x)));
  const ys =
    yDomain ??
    extent([
      ...series.flatMap((s) => s.points.map((p) => p.y)),
      ...(band?.points.flatMap((p) => [p.low, p.high]) ?? []),
      ...(zeroLine ? [0] : []),
    ]);
  if (xs === undefined || ys === undefined) return null;
  const y = linearScale(ys, [HEIGHT - BOTTOM, TOP], 4, { integer: integerY });
  const yTicks = labelledTicks(y.ticks, formatY);
  const left = Math.max(36, 14 + CHAR * Math.max(...yTicks.map((t) => t.label.length)));
  const plotRight = width - RIGHT;
  const xAt = (v: number): number =>
    xs[0] === xs[1] ? (left + plotRight) / 2 : left + ((v - xs[0]) / (xs[1] - xs[0])) * (plotRight - left);
  const xValues = series[0]?.points.map((p) => p.x) ?? [];
  const labelWidth = CHAR * Math.max(4, ...xValues.map((v) => formatX(v).length)) + 12;
  const everyNth = Math.max(
    1,
    Math.ceil(xValues.length / Math.max(2, Math.floor((plotRight - left) / labelWidth))),
  );
  const shownX = xValues.filter((_, i) => i % everyNth === 0);
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
  const anchor = (px: number): "start" | "middle" | "end" =>
    px + labelWidth / 2 > width ? "end" : px - labelWidth / 2 < 0 ? "start" : "middle";
  const hasNotes = series.some((s) => s.points.some((p) => p.note !== undefined && p.y !== null));
  return (
    <figure className="chart" ref={ref}>
      <svg width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={title}>
        {yTicks.map((t) => (
          <g key={t.value}>
            <line
              x1={left}
              x2={plotRight}
              y1={y(t.value)}
              y2={y(t.value)}
              className={zeroLine && t.value === 0 ? "axis-zero" : "grid"}
            />
            <text x={left - 6} y={y(t.value) + 4} textAnchor="end" className="tick">
              {t.label}
            </text>
          </g>
        ))}
        {shownX.map((t) => (
          <text key={t} x={xAt(t)} y={HEIGHT - 8} textAnchor={anchor(xAt(t))} className="tick">
            {formatX(t)}
          </text>
        ))}
        {bandPath === undefined ? null : <path d={bandPath} className="band" />}
        {series.map((s) => {
          const pts = s.points
            .filter((p): p is LinePoint & { y: number } => p.y !== null)
            .map((p) => ({ x: xAt(p.x), y: y(p.y), note: p.note }));
          return (
            <g key={s.name} className={s.className}>
              <path d={path(pts)} className={s.dashed === true ? "line dashed" : "line"} />
              {s.dashed === true
                ? null
                : pts.map((p) =>
                    p.note !== undefined ? (
                      <circle key={p.x} cx={p.x} cy={p.y} r={4} className="dot dot-note">
                        <title>{p.note}</title>
                      </circle>
                    ) : pts.length <= 40 ? (
                      <circle key={p.x} cx={p.x} cy={p.y} r={2.5} className="dot" />
                    ) : null,
                  )}
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
        {hasNotes && noteLegend !== undefined ? (
          <span className="legend-item legend-note">
            <span className="note-swatch" aria-hidden="true" /> {noteLegend}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}
