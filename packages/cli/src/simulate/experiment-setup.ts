import type { AssayApi } from "./assay-api.js";
import { SimulationError } from "./simulation-error.js";

/** The metrics the simulated product emits, as registry definitions (the pipeline's form plus a name). */
export const simulationMetrics = [
  {
    key: "conversion_7d",
    name: "Purchase conversion (7 d)",
    type: "conversion",
    event: "purchase",
    window_days: 7,
  },
  { key: "orders_7d", name: "Orders per user (7 d)", type: "count", event: "purchase", window_days: 7 },
  { key: "revenue_7d", name: "Revenue per user (7 d)", type: "sum", event: "purchase", window_days: 7 },
] as const;

export interface SimulatedExperiment {
  readonly key: string;
  readonly variants: ReadonlyArray<{
    readonly key: string;
    readonly allocation: number;
    readonly isControl: boolean;
  }>;
  readonly startAt: string;
  readonly endAt: string;
  /** True when this run created and started it. */
  readonly created: boolean;
}

interface RegistryExperiment {
  key: string;
  status: string;
  start_at: string | null;
  end_at: string | null;
  variants: Array<{ key: string; allocation: number; is_control?: boolean }>;
}

/**
 * Makes sure the experiment exists and runs, through the public API only: defines missing metrics,
 * creates the experiment (primary conversion, guardrail revenue), submits it, approves it with a
 * reviewer key created for the purpose, and starts it. A running experiment of that key is reused.
 * @example const experiment = await ensureRunningExperiment(api, "sim_checkout", ["treatment"]);
 */
export async function ensureRunningExperiment(
  api: AssayApi,
  key: string,
  treatments: readonly string[],
  now: Date = new Date(),
): Promise<SimulatedExperiment> {
  for (const metric of simulationMetrics) {
    const found = await api.request("GET", `/api/metrics/${metric.key}`, { accept: [404] });
    if (found.status === 404) await api.request("PUT", `/api/metrics/${metric.key}`, { body: metric });
  }
  const existing = await api.request<RegistryExperiment>("GET", `/api/experiments/${key}`, { accept: [404] });
  let created = false;
  if (existing.status === 404) {
    const startAt = new Date(now.getTime() - 3600_000).toISOString();
    const endAt = new Date(now.getTime() + 28 * 24 * 3600_000).toISOString();
    const variants = [
      { key: "control", allocation: 0, is_control: true },
      ...treatments.map((t) => ({ key: t, allocation: 0 })),
    ];
    // Equal split in whole basis points, remainder to control.
    const share = Math.floor(10_000 / variants.length) / 100;
    variants.forEach((v, i) => {
      v.allocation = i === 0 ? Math.round((100 - share * (variants.length - 1)) * 100) / 100 : share;
    });
    // A reviewer of the team approves (the author may not); its answer also names the team.
    const reviewer = await api.request<{ secret: string; team: string }>("POST", "/api/keys", {
      body: { name: `simulate-reviewer-${key}`, role: "reviewer" },
    });
    await api.request("POST", "/api/experiments", {
      body: {
        key,
        owner_team: reviewer.json.team,
        name: `Simulated checkout (${key})`,
        hypothesis: "The treatment raises purchase conversion without lowering revenue.",
        description: "Created by `assay simulate`: simulated users, known true effects.",
        type: "ab",
        variants,
        metrics: [
          { metric_key: "conversion_7d", role: "primary", direction: "increase" },
          { metric_key: "orders_7d", role: "secondary", direction: "increase" },
          { metric_key: "revenue_7d", role: "guardrail", direction: "increase", threshold: 0.1 },
        ],
        start_at: startAt,
        end_at: endAt,
        prereg_url: `https://wiki.example.com/prereg/${key}`,
        power_analysis: { baseline_rate: 0.1, mde_abs: 0.02, alpha: 0.05, power: 0.8 },
        assignment_salt: `sim-${key}`,
      },
    });
    await api.request("POST", `/api/experiments/${key}/status`, { body: { status: "submitted" } });
    await api.request("POST", `/api/experiments/${key}/status`, {
      body: { status: "approved" },
      key: reviewer.json.secret,
    });
    await api.request("POST", `/api/experiments/${key}/status`, { body: { status: "running" } });
    created = true;
  } else if (existing.json.status !== "running") {
    throw new SimulationError(
      `experiment ${key} exists with status '${existing.json.status}'; pass another --experiment (or resume it)`,
    );
  }
  const e = (await api.request<RegistryExperiment>("GET", `/api/experiments/${key}`)).json;
  if (e.start_at === null || e.end_at === null) {
    throw new SimulationError(`experiment ${key} has no start_at/end_at, so the pipeline cannot window it`);
  }
  return {
    key,
    variants: e.variants.map((v) => ({
      key: v.key,
      allocation: v.allocation,
      isControl: v.is_control === true,
    })),
    startAt: e.start_at,
    endAt: e.end_at,
    created,
  };
}
