import { readFile } from "node:fs/promises";
import YAML from "yaml";
import { type AssayConfig, ConfigError, parseAssayConfig } from "./assay-config.js";

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
    metrics: config.metrics.map((metric) =>
      metric.kind === "ratio"
        ? {
            id: metric.id,
            type: "ratio",
            window_days: metric.windowDays,
            numerator: metric.numerator,
            denominator: metric.denominator,
          }
        : {
            id: metric.id,
            type: metric.type,
            event: metric.numerator.event,
            window_days: metric.windowDays,
            ...(metric.cupedPreDays === null ? {} : { cuped_pre_days: metric.cupedPreDays }),
          },
    ),
    ...(config.segmentAttributes === undefined ? {} : { segment_attributes: [...config.segmentAttributes] }),
  });
}
