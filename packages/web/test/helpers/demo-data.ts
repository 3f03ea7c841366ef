/** Demo registry content for the browser tests, written through the public API only. */

export type ApiCaller = (method: string, path: string, body?: unknown, key?: string) => Promise<unknown>;

/**
 * A JSON caller bound to a server and a default key; throws with the server's message on a non-2xx answer.
 * @example const call = createCaller(url, adminKey); await call("GET", "/api/flags");
 */
export function createCaller(baseUrl: string, defaultKey: string): ApiCaller {
  return async (method, path, body, key = defaultKey) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === "" ? null : JSON.parse(text);
  };
}

const metrics = [
  {
    key: "conversion_7d",
    name: "Purchase within 7 days",
    type: "conversion",
    event: "purchase",
    window_days: 7,
  },
  {
    key: "revenue_7d",
    name: "Revenue within 7 days",
    type: "sum",
    event: "purchase",
    window_days: 7,
    cuped_pre_days: 14,
  },
  { key: "refund_rate", name: "Refunds", type: "conversion", event: "refund", window_days: 7 },
  { key: "sessions_7d", name: "Sessions", type: "count", event: "session_start", window_days: 7 },
];

function experiment(key: string, name: string, hypothesis: string, days: [string, string]) {
  return {
    key,
    name,
    hypothesis,
    description: "",
    owner_team: "demo",
    variants: [
      { key: "control", allocation: 50, is_control: true },
      { key: "treatment", allocation: 50 },
    ],
    metrics: [
      { metric_key: "conversion_7d", role: "primary", direction: "increase" },
      { metric_key: "revenue_7d", role: "secondary", direction: "increase" },
      { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
    ],
    start_at: days[0],
    end_at: days[1],
    prereg_url: `https://wiki.example.com/prereg/${key}`,
    power_analysis: { baseline_rate: 0.1, mde_abs: 0.02, alpha: 0.05, power: 0.8 },
  };
}

/**
 * Metrics, experiments in several states (running, submitted, draft) and flags, for team `demo`.
 * Approval needs a reviewer other than the author, so a reviewer key is created first.
 */
export async function seedDemo(call: ApiCaller): Promise<{ reviewerKey: string }> {
  for (const m of metrics) await call("PUT", `/api/metrics/${m.key}`, m);
  const reviewer = (await call("POST", "/api/keys", { name: "rita-reviewer", role: "reviewer" })) as {
    secret: string;
  };
  const now = Date.now();
  const day = 86_400_000;
  const iso = (t: number) => new Date(Math.floor(t / day) * day).toISOString();
  await call(
    "POST",
    "/api/experiments",
    experiment(
      "checkout_button",
      "Green checkout button",
      "A green checkout button raises 7-day purchase conversion because it is easier to find.",
      [iso(now - 10 * day), iso(now + 11 * day)],
    ),
  );
  await call("POST", "/api/experiments/checkout_button/status", { status: "submitted" });
  await call("POST", "/api/experiments/checkout_button/status", { status: "approved" }, reviewer.secret);
  await call("POST", "/api/experiments/checkout_button/status", { status: "running" });
  await call(
    "POST",
    "/api/experiments",
    experiment("search_ranking", "Search ranking v2", "Learning-to-rank results raise conversion.", [
      iso(now + 2 * day),
      iso(now + 30 * day),
    ]),
  );
  await call("POST", "/api/experiments/search_ranking/status", { status: "submitted" });
  await call("POST", "/api/experiments", {
    ...experiment("onboarding_tips", "Onboarding tips", "", [iso(now + 5 * day), iso(now + 40 * day)]),
    prereg_url: null,
  });
  await call("PUT", "/api/flags/new_checkout", {
    name: "New checkout",
    description: "Routes users to the rebuilt checkout.",
    type: "boolean",
    default_value: false,
    variation_value: true,
    enabled: true,
    rollout_percentage: 25,
    targeting: {
      include_segments: [],
      exclude_segments: [],
      condition: {
        and: [
          { attribute: "country", op: "in", value: ["DE", "FR"] },
          { attribute: "app_version", op: "gte", value: 42 },
        ],
      },
    },
  });
  await call("PUT", "/api/flags/dark_mode", {
    name: "Dark mode",
    type: "boolean",
    default_value: false,
    variation_value: true,
    enabled: true,
    rollout_percentage: 100,
  });
  await call("PUT", "/api/flags/banner_text", {
    name: "Banner text",
    type: "string",
    default_value: "Welcome",
    variation_value: "Hello again",
    enabled: false,
    rollout_percentage: 0,
  });
  return { reviewerKey: reviewer.secret };
}
