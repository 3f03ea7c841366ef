import { minimumDetectableEffect } from "@assay/stats";

export interface PowerMonitorInput {
  readonly now: Date;
  readonly startAt: Date;
  /** Planned end; null = open-ended (no warning is possible). */
  readonly endAt: Date | null;
  /** Planned units per variant (the power analysis' n_per_variant or minimum_sample_size). */
  readonly plannedPerVariant: number;
  /** Units enrolled so far in the smallest arm. */
  readonly enrolledPerVariant: number;
  readonly baselineRate: number;
  readonly alpha: number;
  readonly power: number;
}

export interface PowerReport {
  /** Units per variant per day since the start. */
  readonly enrolmentPerDay: number;
  /** Absolute effect detectable with the units enrolled so far (null with under 2 units). */
  readonly mdeNow: number | null;
  /** Absolute effect detectable with the units expected by the planned end at the current rate. */
  readonly mdeAtPlannedEnd: number | null;
  readonly plannedMde: number | null;
  /** When the planned sample is reached at the current rate (null when enrolment is 0). */
  readonly projectedCompletion: string | null;
  /** The projected completion falls after the planned end (or enrolment has stalled). */
  readonly warning: boolean;
  readonly message: string;
}

const DAY_MS = 86_400_000;

function mde(n: number, input: PowerMonitorInput): number | null {
  if (!(n >= 2)) return null;
  try {
    return minimumDetectableEffect({
      baselineRate: input.baselineRate,
      nPerVariant: Math.floor(n),
      alpha: input.alpha,
      power: input.power,
    }).mdeAbs;
  } catch {
    return null;
  }
}

/**
 * Power monitoring (seed 002 §5): the detectable effect at the current rate of enrolment and the date the
 * planned sample is reached; a warning when that date falls after the planned end.
 * @example monitorPower({ now, startAt, endAt, plannedPerVariant: 14749, enrolledPerVariant: 3000, baselineRate: 0.1, alpha: 0.05, power: 0.8 });
 */
export function monitorPower(input: PowerMonitorInput): PowerReport {
  const elapsedDays = Math.max((input.now.getTime() - input.startAt.getTime()) / DAY_MS, 1 / 24);
  const rate = input.enrolledPerVariant / elapsedDays;
  const remaining = Math.max(0, input.plannedPerVariant - input.enrolledPerVariant);
  const projected =
    remaining === 0
      ? input.now
      : rate > 0
        ? new Date(input.now.getTime() + (remaining / rate) * DAY_MS)
        : null;
  const daysLeft =
    input.endAt === null ? null : Math.max(0, (input.endAt.getTime() - input.now.getTime()) / DAY_MS);
  const expectedAtEnd = daysLeft === null ? null : input.enrolledPerVariant + rate * daysLeft;
  const warning =
    input.endAt !== null &&
    remaining > 0 &&
    (projected === null || projected.getTime() > input.endAt.getTime());
  const projectedText = projected === null ? "never (no enrolment)" : projected.toISOString();
  return {
    enrolmentPerDay: rate,
    mdeNow: mde(input.enrolledPerVariant, input),
    mdeAtPlannedEnd: expectedAtEnd === null ? null : mde(expectedAtEnd, input),
    plannedMde: mde(input.plannedPerVariant, input),
    projectedCompletion: projected === null ? null : projected.toISOString(),
    warning,
    message: warning
      ? `planned sample of ${input.plannedPerVariant} per variant is reached ${projectedText}, after the planned end ${input.endAt?.toISOString()}`
      : remaining === 0
        ? "planned sample reached"
        : `planned sample reached by ${projectedText}`,
  };
}
