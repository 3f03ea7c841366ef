import { z } from "zod";

const rate = z.number().min(0).max(1);

/** Everything a simulation run can be told; validated once at the boundary (CLI flags, tests, bench). */
export const simulationOptionsSchema = z.object({
  /** Server base URL, e.g. http://127.0.0.1:3000. */
  url: z.string().url(),
  /** An admin API key of the team (creates keys, metrics and the experiment; forces compaction). */
  key: z.string().min(1),
  /** The server's lake folder (`<home>/lake`), for the pipeline config and the lake checks; null skips both. */
  lakeDir: z.string().min(1).nullable(),
  experiment: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, "must be a lowercase key"),
  users: z.number().int().min(1).max(10_000_000),
  seed: z.number().int().min(0).max(0xffffffff),
  /** Prefix of this run's user and event ids, so runs against one server never collide. */
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and - only"),
  /** Purchase conversion of control. */
  baseline: rate,
  /** True absolute effect on conversion, per non-control variant. */
  effects: z.record(z.string(), z.number().min(-1).max(1)),
  /** Relative drop of purchase value in every non-control variant (a guardrail regression on revenue). */
  guardrailRegression: z.number().min(0).max(1),
  /** Share of converters who buy a second time. */
  repeatPurchaseRate: rate,
  faults: z.object({ dropBeforeSend: rate, lostAck: rate, duplicateSend: rate }),
  /** Users simulated at once (each a browser session: payload fetch, assignment, events). */
  concurrency: z.number().int().min(1).max(1024),
  /** Events per request of the SDK event client. */
  batchSize: z.number().int().min(1).max(10_000),
  /** Retries of the SDK event client before it gives a batch up. */
  maxRetries: z.number().int().min(0).max(50),
  baseBackoffMs: z.number().min(0),
  maxBackoffMs: z.number().min(0),
});
export type SimulationOptions = z.output<typeof simulationOptionsSchema>;

/** Defaults for everything but the server's address and key. */
export const simulationDefaults: Omit<SimulationOptions, "url" | "key" | "lakeDir" | "runId"> = {
  experiment: "sim_checkout",
  users: 5000,
  seed: 1,
  baseline: 0.1,
  effects: { treatment: 0.02 },
  guardrailRegression: 0,
  repeatPurchaseRate: 0.25,
  faults: { dropBeforeSend: 0.03, lostAck: 0.03, duplicateSend: 0.03 },
  concurrency: 32,
  batchSize: 250,
  maxRetries: 8,
  baseBackoffMs: 20,
  maxBackoffMs: 1000,
};
