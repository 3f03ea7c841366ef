import { isApiError, toApiError } from "./api-error.js";
import type {
  AnalysisMode,
  ApiKey,
  ApiKeyCreated,
  ApiKeyRequest,
  AuditEntry,
  ChangeRequest,
  ChangeRequestApproval,
  ChangeRequestStatus,
  Environment,
  Experiment,
  ExperimentInput,
  ExperimentStatus,
  ExperimentSummary,
  Flag,
  FlagCopyResult,
  FlagInput,
  Rollout,
  SdkKeyCreated,
  SdkKeyRequest,
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
  listEnvironments(): Promise<Environment[]>;
  /** The flags as they stand in `environment` (default production). */
  listFlags(environment?: string): Promise<Flag[]>;
  getFlag(key: string, environment: string): Promise<Flag>;
  putFlag(key: string, environment: string, flag: FlagInput): Promise<Flag>;
  killFlag(key: string, environment?: string): Promise<Flag>;
  restoreFlag(key: string, environment?: string): Promise<Flag>;
  /** One action: the flag's state in `from` becomes its state in `to` (a change request when `to` is reviewed). */
  copyFlag(key: string, from: string, to: string): Promise<FlagCopyResult>;
  proposeFlagChange(
    key: string,
    environment: string,
    flag: FlagInput,
    comment: string,
  ): Promise<ChangeRequest>;
  listChangeRequests(filter: { status?: ChangeRequestStatus; flagKey?: string }): Promise<ChangeRequest[]>;
  /** The flag's guarded rollout in `environment`, or null when it has none. */
  getRollout(key: string, environment: string): Promise<Rollout | null>;
  approveChangeRequest(id: number, note?: string): Promise<ChangeRequestApproval>;
  rejectChangeRequest(id: number, note?: string): Promise<ChangeRequest>;
  listAudit(filter: { entityType?: string; entityKey?: string; limit?: number }): Promise<AuditEntry[]>;
  listMetricKeys(): Promise<string[]>;
  /** The team's keys, team and SDK keys (admin). */
  listKeys(): Promise<ApiKey[]>;
  createKey(input: ApiKeyRequest): Promise<ApiKeyCreated>;
  createSdkKey(environment: string, input: SdkKeyRequest): Promise<SdkKeyCreated>;
  revokeKey(keyId: string): Promise<ApiKey>;
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
    listEnvironments: () =>
      call<{ environments: Environment[] }>("GET", "/api/environments").then((r) => r.environments),
    listFlags: (environment = "production") =>
      call<{ flags: Flag[] }>("GET", `/api/flags?environment=${enc(environment)}`).then((r) => r.flags),
    getFlag: (key, environment) =>
      call<Flag>("GET", `/api/flags/${enc(key)}?environment=${enc(environment)}`),
    putFlag: (key, environment, flag) =>
      call<Flag>("PUT", `/api/flags/${enc(key)}?environment=${enc(environment)}`, flag),
    // One atomic, audited server action each (`kill` / `restore`): only `enabled` changes, never reviewed.
    killFlag: (key, environment = "production") =>
      call<Flag>("POST", `/api/flags/${enc(key)}/kill?environment=${enc(environment)}`),
    restoreFlag: (key, environment = "production") =>
      call<Flag>("POST", `/api/flags/${enc(key)}/restore?environment=${enc(environment)}`),
    copyFlag: (key, from, to) => call<FlagCopyResult>("POST", `/api/flags/${enc(key)}/copy`, { from, to }),
    proposeFlagChange: (key, environment, flag, comment) =>
      call<ChangeRequest>("POST", `/api/flags/${enc(key)}/change-requests?environment=${enc(environment)}`, {
        flag,
        comment,
      }),
    getRollout: (key, environment) =>
      call<Rollout>("GET", `/api/flags/${enc(key)}/rollout?environment=${enc(environment)}`).catch(
        (error: unknown) => {
          if (isApiError(error) && error.status === 404) return null;
          throw error;
        },
      ),
    listChangeRequests: (filter) => {
      const q = new URLSearchParams();
      if (filter.status !== undefined) q.set("status", filter.status);
      if (filter.flagKey !== undefined) q.set("flag_key", filter.flagKey);
      const qs = q.toString();
      return call<{ change_requests: ChangeRequest[] }>(
        "GET",
        `/api/change-requests${qs === "" ? "" : `?${qs}`}`,
      ).then((r) => r.change_requests);
    },
    approveChangeRequest: (id, note = "") =>
      call<ChangeRequestApproval>("POST", `/api/change-requests/${id}/approve`, { note }),
    rejectChangeRequest: (id, note = "") =>
      call<ChangeRequest>("POST", `/api/change-requests/${id}/reject`, { note }),
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
    listKeys: () => call<{ keys: ApiKey[] }>("GET", "/api/keys").then((r) => r.keys),
    createKey: (input) => call<ApiKeyCreated>("POST", "/api/keys", input),
    createSdkKey: (environment, input) =>
      call<SdkKeyCreated>("POST", `/api/environments/${enc(environment)}/sdk-keys`, input),
    revokeKey: (keyId) => call<ApiKey>("DELETE", `/api/keys/${enc(keyId)}`),
    listMetricKeys: () =>
      call<{ metrics: Array<{ key: string }> }>("GET", "/api/metrics").then((r) =>
        r.metrics.map((m) => m.key),
      ),
  };
}
