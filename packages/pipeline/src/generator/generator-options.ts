/** A synthetic experiment: variants with allocations and the true relative lift of purchase probability. */
export interface GeneratorExperiment {
  readonly id: string;
  readonly variants: ReadonlyArray<{
    readonly id: string;
    readonly allocation: number;
    readonly control?: boolean;
  }>;
  /** Share of users assigned to this experiment, in (0, 1]. */
  readonly participation?: number;
}

/**
 * Failure switches (seed 001 "failure modes"). Fractions are shares of units (or events) affected.
 * Each one is aimed at exactly one detector; `multiVariationExposure` necessarily also shows as a variant mismatch.
 */
export interface GeneratorFaults {
  /** Exposures are not logged on these days (offsets from the experiment start): the daily exposure rate drops. */
  readonly brokenExposureLogging?: { readonly fromDay: number; readonly days: number };
  /** Units with an extra exposure shortly before their assignment. */
  readonly preAssignmentExposure?: number;
  /** Units whose exposures all name a different variant than assigned. */
  readonly variantMismatch?: number;
  /** Units with an extra exposure of another variant besides their own. */
  readonly multiVariationExposure?: number;
  /** Units with an extra exposure after the experiment's end. */
  readonly lateExposure?: number;
  /** Share of non-control assignments lost, so the split drifts from the configured allocation. */
  readonly sampleRatioMismatch?: number;
  /** Share of events logged twice with the same event_id. */
  readonly duplicateEvents?: number;
}

export interface GenerateOptions {
  /** Integer seed: the same seed gives the same data, row for row. */
  readonly seed: number;
  readonly users: number;
  /** Experiment start day, `YYYY-MM-DD` (UTC); default 2026-02-01. */
  readonly start?: string;
  /** Experiment length in days; default 14. */
  readonly days?: number;
  readonly experiments?: ReadonlyArray<GeneratorExperiment>;
  /** True relative lift of purchase probability per experiment and variant, e.g. `{exp_checkout: {treatment: 0.1}}`. */
  readonly effects?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly faults?: GeneratorFaults;
  /** Share of assigned units that get exposed; default 0.8. */
  readonly exposureRate?: number;
  /** Mean sessions per user over the whole period; default 8. */
  readonly sessionsPerUser?: number;
  /**
   * Standard deviation of each user's log spend level (default 0: every user's purchases are drawn alike). Above
   * 0 some users spend consistently more, before and after assignment, so a pre-period covariate (CUPED) explains
   * part of a revenue metric's variance, as in real shops; e.g. 1.
   */
  readonly spendSpread?: number;
  /**
   * Emit `user_attributes` rows (`platform`, `country`, observed at or up to an hour before each assigned user's
   * first assignment, plus some later platform changes the pipeline must ignore); default true. Drawn from their
   * own seeded hashes: assignments, exposures and events are the same rows either way.
   */
  readonly userAttributes?: boolean;
  /**
   * Emit a `page_load` event with each session (value: load time in ms, a per-user device speed times per-load
   * noise, so loads of one user are correlated); default false, which leaves every other row the same.
   */
  readonly pageLoads?: boolean;
  /**
   * Heterogeneous true lifts by platform, per experiment and variant (e.g. `{exp_checkout: {treatment: {web: 0.3}}}`:
   * a 30% lift on web only). For a variant listed here it replaces `effects`; platforms not listed get no lift.
   * Platforms come from the same hashes as the `platform` attribute, so it needs no `userAttributes`.
   */
  readonly effectsByPlatform?: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>
  >;
}

/** Generated `platform` values and their shares of users. */
export const generatedPlatforms: ReadonlyArray<{ readonly value: string; readonly share: number }> = [
  { value: "ios", share: 0.4 },
  { value: "android", share: 0.35 },
  { value: "web", share: 0.25 },
];

/** Generated `country` values and their shares of users (the rest have no country observation). */
export const generatedCountries: ReadonlyArray<{ readonly value: string; readonly share: number }> = [
  { value: "US", share: 0.35 },
  { value: "IN", share: 0.2 },
  { value: "GB", share: 0.15 },
  { value: "DE", share: 0.12 },
  { value: "BR", share: 0.13 },
];

export const defaultExperiments: ReadonlyArray<GeneratorExperiment> = [
  {
    id: "exp_checkout",
    variants: [
      { id: "control", allocation: 50, control: true },
      { id: "treatment", allocation: 50 },
    ],
    participation: 0.7,
  },
  {
    id: "exp_onboarding",
    variants: [
      { id: "control", allocation: 50, control: true },
      { id: "guided", allocation: 50 },
    ],
    participation: 0.5,
  },
];

export const defaultEffects: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  exp_checkout: { treatment: 0.15 },
  exp_onboarding: { guided: 0 },
};
