import { meanTest, ratioTest } from "@assay/stats";

/** Per-variant sufficient statistics of one metric (a row of the pipeline's `agg_experiment_metric_by_variant`). */
export interface ArmStatistics {
  readonly variant: string;
  readonly isControl: boolean;
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
  /** Ratio metrics only: Σden, Σden², Σnum·den. */
  readonly sumDen?: number;
  readonly sumDenSquares?: number;
  readonly sumNumDen?: number;
}

/** One treatment against control on one metric, on the absolute and the relative scale. */
export interface MetricComparison {
  readonly metricKey: string;
  readonly variant: string;
  readonly nControl: number;
  readonly nTreatment: number;
  readonly controlValue: number;
  readonly treatmentValue: number;
  readonly diff: number;
  readonly se: number;
  /** z = diff/se (NaN when se = 0). */
  readonly z: number;
  /** treatment/control − 1; NaN when the control value is 0. */
  readonly relLift: number;
  /** Delta-method standard error of relLift. */
  readonly seRel: number;
}

/** z_{0.975}: the engine reports relative intervals at alpha 0.05 by default. */
const Z975 = 1.959963984540054;

/**
 * Each treatment arm against control with the statistics engine (Welch for means, delta method for ratios).
 * Arms with fewer than 2 units are left out (no comparison is possible yet).
 * @example compareArms("conversion_7d", "mean", [controlArm, treatmentArm]);
 */
export function compareArms(
  metricKey: string,
  kind: "mean" | "ratio",
  arms: ReadonlyArray<ArmStatistics>,
): MetricComparison[] {
  const control = arms.find((a) => a.isControl);
  if (control === undefined || control.n < 2) return [];
  const out: MetricComparison[] = [];
  for (const arm of arms) {
    if (arm.isControl || arm.n < 2) continue;
    const result =
      kind === "ratio"
        ? (() => {
            const r = ratioTest(toRatio(control), toRatio(arm));
            return { ...r, c: r.controlValue, t: r.treatmentValue };
          })()
        : (() => {
            const r = meanTest(toMean(control), toMean(arm));
            return { ...r, c: r.controlMean, t: r.treatmentMean };
          })();
    // The engine's relative interval is relLift ± z_{0.975}·se_rel at the default alpha 0.05.
    const seRel = (result.relCiHigh - result.relCiLow) / (2 * Z975);
    out.push({
      metricKey,
      variant: arm.variant,
      nControl: control.n,
      nTreatment: arm.n,
      controlValue: result.c,
      treatmentValue: result.t,
      diff: result.diff,
      se: result.se,
      z: result.se > 0 ? result.diff / result.se : Number.NaN,
      relLift: result.relLift,
      seRel,
    });
  }
  return out;
}

const toMean = (a: ArmStatistics) => ({ n: a.n, sum: a.sum, sumSquares: a.sumSquares });
const toRatio = (a: ArmStatistics) => ({
  n: a.n,
  sumNum: a.sum,
  sumNumSquares: a.sumSquares,
  sumDen: a.sumDen ?? 0,
  sumDenSquares: a.sumDenSquares ?? 0,
  sumNumDen: a.sumNumDen ?? 0,
});
