const DAY_MS = 86_400_000;

export interface PowerProjection {
  /** Smallest arm's units over the required units per variant (1 = reached). */
  readonly progress: number | null;
  readonly requiredPerVariant: number | null;
  readonly smallestArm: number;
  /** When the smallest arm reaches the required size at the average daily rate so far (ISO), or null. */
  readonly projectedEnd: string | null;
  /** The projection falls after the planned end date (seed 002 §5: warn). */
  readonly overrunsPlannedEnd: boolean;
}

/**
 * Power tracking: how far the smallest arm is from the preregistered sample size, and when it
 * will get there at the rate seen since the start.
 * @example projectPower({ armSizes: [500, 520], requiredPerVariant: 1000, startAt: "2026-02-01T00:00:00Z", plannedEndAt: null, now: "2026-02-06T00:00:00Z" }).projectedEnd // "2026-02-11T00:00:00.000Z"
 */
export function projectPower(input: {
  readonly armSizes: ReadonlyArray<number>;
  readonly requiredPerVariant: number | null;
  readonly startAt: string | null;
  readonly plannedEndAt: string | null;
  readonly now: string;
}): PowerProjection {
  const smallestArm = input.armSizes.length === 0 ? 0 : Math.min(...input.armSizes);
  const required =
    input.requiredPerVariant !== null && input.requiredPerVariant > 0 ? input.requiredPerVariant : null;
  const progress = required === null ? null : smallestArm / required;
  let projectedEnd: string | null = null;
  const now = Date.parse(input.now);
  const start = input.startAt === null ? Number.NaN : Date.parse(input.startAt);
  if (required !== null && progress !== null) {
    if (progress >= 1) projectedEnd = new Date(now).toISOString();
    else if (!Number.isNaN(start) && now > start && smallestArm > 0) {
      const perMs = smallestArm / (now - start);
      projectedEnd = new Date(
        now + Math.ceil((required - smallestArm) / perMs / DAY_MS) * DAY_MS,
      ).toISOString();
    }
  }
  const planned = input.plannedEndAt === null ? Number.NaN : Date.parse(input.plannedEndAt);
  const overrunsPlannedEnd =
    projectedEnd !== null &&
    !Number.isNaN(planned) &&
    progress !== null &&
    progress < 1 &&
    Date.parse(projectedEnd) > planned;
  return { progress, requiredPerVariant: required, smallestArm, projectedEnd, overrunsPlannedEnd };
}
