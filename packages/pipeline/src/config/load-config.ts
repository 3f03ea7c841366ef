import { readFile } from "node:fs/promises";
import YAML from "yaml";
import { type AssayConfig, ConfigError, type MetricDefinition, parseAssayConfig } from "./assay-config.js";

/**
 * Reads and validates an `assay.yaml` file; YAML syntax errors and schema errors both become a `ConfigError`.
 * @example const config = await loadConfigFile("assay.yaml");
 */
export async function loadConfigFile(path: string): Promise<AssayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ConfigError(path, [
      { path: "", message: `cannot read the file (${(cause as Error).message})` },
    ]);
  }
  return parseConfigText(text, path);
}

/** Parses YAML text into a validated config. */
export function parseConfigText(text: string, source = "assay.yaml"): AssayConfig {
  let document: unknown;
  try {
    document = YAML.parse(text);
  } catch (cause) {
    throw new ConfigError(source, [{ path: "", message: `invalid YAML: ${(cause as Error).message}` }]);
  }
  return parseAssayConfig(document, source);
}

/** Renders a normalized config back to `assay.yaml` text (used by the generator to describe its data). */
export function stringifyConfig(config: AssayConfig): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  return YAML.stringify({
    experiments: config.experiments.map((experiment) => ({
      id: experiment.id,
      start: iso(experiment.startMs),
      end: iso(experiment.endMs),
      variants: experiment.variants.map((variant) =>
        variant.isControl
          ? { id: variant.id, allocation: variant.allocation, control: true }
          : { id: variant.id, allocation: variant.allocation },
      ),
      metrics: [...experiment.metricIds],
    })),
    metrics: config.metrics.map(metricDocument),
    ...(config.segmentAttributes === undefined ? {} : { segment_attributes: [...config.segmentAttributes] }),
  });
}

/** A normalized metric back in `assay.yaml`'s shape (the inverse of the config parser's normalization). */
function metricDocument(metric: MetricDefinition): Record<string, unknown> {
  const cap = metric.cap ? { cap: metric.cap } : {};
  const pre = metric.cupedPreDays === null ? {} : { cuped_pre_days: metric.cupedPreDays };
  const source =
    metric.numerator.sql === undefined
      ? { event: metric.numerator.event }
      : { source: { sql: metric.numerator.sql } };
  switch (metric.type) {
    case "ratio":
      return {
        id: metric.id,
        type: "ratio",
        window_days: metric.windowDays,
        numerator: { event: metric.numerator.event, aggregation: metric.numerator.aggregation },
        denominator: metric.denominator,
        ...cap,
        ...pre,
      };
    case "quantile":
      return {
        id: metric.id,
        type: "quantile",
        quantile: metric.quantile?.p,
        of: metric.quantile?.of,
        ...source,
        window_days: metric.windowDays,
      };
    case "retention":
      return {
        id: metric.id,
        type: "retention",
        event: metric.numerator.event,
        from_day: metric.retention?.fromDays,
        to_day: metric.retention?.toDays,
      };
    case "funnel":
      return {
        id: metric.id,
        type: "funnel",
        steps: [...(metric.funnelSteps ?? [])],
        window_days: metric.windowDays,
      };
    default:
      return {
        id: metric.id,
        type: metric.type,
        ...source,
        window_days: metric.windowDays,
        ...pre,
        ...cap,
        ...(metric.covariates
          ? {
              cuped_covariates: {
                metrics: [...metric.covariates.metrics],
                attributes: [...metric.covariates.attributes],
              },
            }
          : {}),
      };
  }
}
