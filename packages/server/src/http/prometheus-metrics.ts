/** One sample the caller keeps itself: a counter (only ever grows; its name ends in `_total`) or a gauge. */
export interface MetricSample {
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly value: number;
}

/** A tiny Prometheus registry: counters and one latency histogram, rendered in the text format. */
export interface PrometheusMetrics {
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** The text exposition of the request metrics and `samples`, each declared with its own type. */
  render(samples: Record<string, MetricSample>): string;
}

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createPrometheusMetrics(): PrometheusMetrics {
  const requests = new Map<string, number>();
  const histograms = new Map<string, { counts: number[]; sum: number; count: number }>();
  const esc = (s: string): string => s.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  return {
    observeRequest(route, method, status, seconds) {
      const key = `route="${esc(route)}",method="${method}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const hkey = `route="${esc(route)}"`;
      let h = histograms.get(hkey);
      if (h === undefined) {
        h = { counts: buckets.map(() => 0), sum: 0, count: 0 };
        histograms.set(hkey, h);
      }
      for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]!) h.counts[i]!++;
      h.sum += seconds;
      h.count++;
    },
    render(samples) {
      const lines = [
        "# HELP assay_http_requests_total HTTP requests by route, method and status.",
        "# TYPE assay_http_requests_total counter",
      ];
      for (const [labels, n] of requests) lines.push(`assay_http_requests_total{${labels}} ${n}`);
      lines.push(
        "# HELP assay_http_request_duration_seconds Request latency.",
        "# TYPE assay_http_request_duration_seconds histogram",
      );
      for (const [labels, h] of histograms) {
        for (const [i, b] of buckets.entries()) {
          lines.push(`assay_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`);
        }
        lines.push(`assay_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
        lines.push(`assay_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
        lines.push(`assay_http_request_duration_seconds_count{${labels}} ${h.count}`);
      }
      for (const [name, sample] of Object.entries(samples)) {
        lines.push(
          `# HELP ${name} ${sample.help}`,
          `# TYPE ${name} ${sample.type}`,
          `${name} ${sample.value}`,
        );
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
