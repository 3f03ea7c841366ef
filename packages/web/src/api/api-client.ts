import { toApiError } from "./api-error.js";
import type {
  AnalysisMode,
  AuditEntry,
  Experiment,
  ExperimentInput,
  ExperimentStatus,
  ExperimentSummary,
  Flag,
  SegmentResults,
} from "./api-types.js";

export interface ApiClientOptions {
  /** Origin of the API; "" means the page's own origin (the server serves the dashboard). */
  readonly baseUrl?: string;
  /** Returns the API key sent as `Authorization: Bearer <key>`, if any. */
  readonly getKey: () => string | null;
  readonly fetch?: typeof fetch;
}

export interface ApiClient {
  listExperiments(): Promise<Experiment[]>;
  getExperiment(key: string): Promise<Experiment>;
  createExperiment(input: ExperimentInput): Promise<Experiment>;
  updateExperiment(
    key: string,
    patch: Partial<Omit<ExperimentInput, "key" | "owner_team">>,
  ): Promise<Experiment>;
  transition(key: string, status: ExperimentStatus): Promise<Experiment>;
  getSummary(key: string): Promise<ExperimentSummary>;
  getSegmentResults(
    key: string,
    attribute: string,
    options: { readonly mode: AnalysisMode; readonly cuped: boolean },
  ): Promise<SegmentResults>;
  listFlags(): Promise<Flag[]>;
  killFlag(key: string): Promise<Flag>;
  restoreFlag(key: string): Promise<Flag>;
  listAudit(filter: { entityType?: string; entityKey?: string; limit?: number }): Promise<AuditEntry[]>;
  listMetricKeys(): Promise<string[]>;
}

const enc = encodeURIComponent;

/**
 * The dashboard's only way to the server: typed calls of the public API.
 * @example const api = createApiClient({ getKey: () => localStorage.getItem("assay.apiKey") });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? "";
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const key = options.getKey();
    if (key !== null && key !== "") headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw toApiError(
        0,
        error instanceof Error ? `cannot reach the server: ${error.message}` : "cannot reach the server",
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    if (!response.ok) throw toApiError(response.status, parsed);
    return parsed as T;
  }

  return {
    listExperiments: () =>
      call<{ experiments: Experiment[] }>("GET", "/api/experiments").then((r) => r.experiments),
    getExperiment: (key) => call<Experiment>("GET", `/api/experiments/${enc(key)}`),
    createExperiment: (input) => call<Experiment>("POST", "/api/experiments", input),
    updateExperiment: (key, patch) => call<Experiment>("PATCH", `/api/experiments/${enc(key)}`, patch),
    transition: (key, status) => call<Experiment>("POST", `/api/experiments/${enc(key)}/status`, { status }),
    getSummary: (key) => call<ExperimentSummary>("GET", `/api/experiments/${enc(key)}/summary`),
    getSegmentResults: (key, attribute, { mode, cuped }) =>
      call<SegmentResults>(
        "GET",
        `/api/experiments/${enc(key)}/segments/${enc(attribute)}?mode=${mode}&cuped=${String(cuped)}`,
      ),
    listFlags: () => call<{ flags: Flag[] }>("GET", "/api/flags").then((r) => r.flags),
    // One atomic, audited server action each (`kill` / `restore`): only `enabled` changes.
    killFlag: (key) => call<Flag>("POST", `/api/flags/${enc(key)}/kill`),
    restoreFlag: (key) => call<Flag>("POST", `/api/flags/${enc(key)}/restore`),
    listAudit: (filter) => {
      const q = new URLSearchParams();
      if (filter.entityType !== undefined) q.set("entity_type", filter.entityType);
      if (filter.entityKey !== undefined) q.set("entity_key", filter.entityKey);
      if (filter.limit !== undefined) q.set("limit", String(filter.limit));
      const qs = q.toString();
      return call<{ entries: AuditEntry[] }>("GET", `/api/audit${qs === "" ? "" : `?${qs}`}`).then(
        (r) => r.entries,
      );
    },
    listMetricKeys: () =>
      call<{ metrics: Array<{ key: string }> }>("GET", "/api/metrics").then((r) =>
        r.metrics.map((m) => m.key),
      ),
  };
}
