import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateToLake } from "@assay/pipeline";
import type { FastifyInstance } from "fastify";
import { type AppOptions, createApp } from "../../src/app.js";
import { createApiKey, createServerContext, type Database, type ServerContext } from "../../src/index.js";
import { createLakeSummary } from "../../src/results/experiment-summary.js";
import { createLakeSegmentResults } from "../../src/results/segment-results-provider.js";

export interface TestApp {
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  readonly dir: string;
  /** Bearer secrets: growth's ana (editor), rui (reviewer), vic (viewer), ada (admin); payments' pat (editor). */
  readonly keys: Record<"ana" | "rui" | "vic" | "ada" | "pat" | "pam", string>;
  request(
    who: keyof TestApp["keys"],
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies.
  ): Promise<{ status: number; json: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const metricDefinitions = [
  { key: "conversion_7d", type: "conversion", event: "purchase", window_days: 7 },
  { key: "revenue_7d", type: "sum", event: "purchase", window_days: 7, cuped_pre_days: 14 },
  { key: "refund_rate", type: "conversion", event: "refund", window_days: 14 },
];

/** A valid experiment body for growth; override fields per test. */
export function experimentBody(
  key: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    key,
    name: `Experiment ${key}`,
    hypothesis: "A bigger button raises conversion",
    type: "ab",
    owner_team: "growth",
    variants: [
      { key: "control", allocation: 50, is_control: true },
      { key: "treatment", allocation: 50 },
    ],
    metrics: [
      { metric_key: "conversion_7d", role: "primary", direction: "increase" },
      { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
    ],
    start_at: "2026-02-01T00:00:00Z",
    end_at: "2026-03-01T00:00:00Z",
    prereg_url: "https://wiki.example.com/prereg/1",
    power_analysis: { baseline_rate: 0.1, mde_abs: 0.01, alpha: 0.05, power: 0.8 },
    assignment_salt: `salt-${key}`,
    ...overrides,
  };
}

/**
 * A server over `db` with temp WAL and lake folders, five keys in two teams and three metrics; with `results`,
 * the summary and segment routes read the lake.
 */
/**
 * The lake of the guardrail-regression tests: 6,000 users in `exp_guard` (50/50) from 2026-01-18 to 2026-02-22,
 * the treatment halving purchase probability, so revenue and orders regress.
 */
export async function generateGuardrailRegressionLake(lake: string): Promise<void> {
  await generateToLake({
    lake,
    dt: "2026-02-22",
    from: "2026-01-18",
    seed: 11,
    users: 6000,
    experiments: [
      {
        id: "exp_guard",
        variants: [
          { id: "control", allocation: 50, control: true },
          { id: "treatment", allocation: 50 },
        ],
        participation: 1,
      },
    ],
    effects: { exp_guard: { treatment: -0.5 } },
  });
}

export async function createTestApp(
  db: Database,
  options: { results?: boolean; app?: Partial<Omit<AppOptions, "context">> } = {},
): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), "assay-server-test-"));
  const context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
  const app = await createApp({
    context,
    ...options.app,
    ...(options.results === true
      ? {
          summary: createLakeSummary(db, context.lake.dir),
          segmentResults: createLakeSegmentResults(db, context.lake.dir),
        }
      : {}),
  });
  const suffix = Math.random().toString(36).slice(2, 8);
  const make = async (team: string, role: "viewer" | "editor" | "reviewer" | "admin", name: string) =>
    (await createApiKey(db, { team, role, name: `${name}-${suffix}` })).secret;
  const keys = {
    ana: await make("growth", "editor", "ana"),
    rui: await make("growth", "reviewer", "rui"),
    vic: await make("growth", "viewer", "vic"),
    ada: await make("growth", "admin", "ada"),
    pat: await make("payments", "editor", "pat"),
    pam: await make("payments", "admin", "pam"),
  };
  const request: TestApp["request"] = async (who, method, url, body, headers = {}) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${keys[who]}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    let json: unknown;
    try {
      json = res.body === "" ? undefined : JSON.parse(res.body);
    } catch {
      json = res.body;
    }
    return { status: res.statusCode, json, headers: res.headers };
  };
  for (const m of metricDefinitions) {
    const res = await request("ana", "PUT", `/api/metrics/${m.key}`, m);
    if (res.status !== 200 && res.status !== 409)
      throw new Error(`metric setup failed: ${JSON.stringify(res.json)}`);
  }
  return {
    app,
    context,
    dir,
    keys,
    request,
    async close() {
      await app.close();
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
