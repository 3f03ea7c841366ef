declare module "parse-prometheus-text-format" {
  /** One metric family of the Prometheus text format. */
  export interface MetricFamily {
    readonly name: string;
    readonly help: string;
    readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    readonly metrics: ReadonlyArray<Record<string, unknown>>;
  }
  /** Parses the text exposition format; throws on malformed input. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
