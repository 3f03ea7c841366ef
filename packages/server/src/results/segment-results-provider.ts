import { createLakeReader } from "@assay/pipeline";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { HttpError } from "../http/http-error.js";
import type { Principal } from "../registry/auth.js";
import { keySchema } from "../registry/experiment-schema.js";
import { getExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import { RESULTS_ALPHA, registryMetricTypes } from "./experiment-summary.js";
import { buildSegmentResults, drillDownAttributes, type SegmentResultsView } from "./segment-results.js";

/** Path parameters of `GET /api/experiments/{key}/segments/{attribute}`. */
export const segmentParamsSchema = z.object({
  key: keySchema,
  attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "must be an attribute name"),
});

/** Query of `GET /api/experiments/{key}/segments/{attribute}`: analysis mode and estimator. */
export const segmentQuerySchema = z
  .object({
    mode: z.enum(["itt", "exposed"]).default("itt"),
    cuped: z
      .enum(["true", "false"], { message: 'must be "true" or "false"' })
      .default("false")
      .transform((v) => v === "true"),
  })
  .strict();
export type SegmentQuery = z.output<typeof segmentQuerySchema>;

/** Per-segment results of one experiment and attribute; injected into the app like the summary. */
export type SegmentResultsProvider = (
  experimentKey: string,
  attribute: string,
  query: SegmentQuery,
  principal: Principal,
) => Promise<SegmentResultsView>;

/**
 * Reads per-segment results from the lake's latest results partition (`fct_experiment_results_by_segment`);
 * 404 when the experiment is not the caller's team's, has no results, or the attribute has no observed value.
 * @example const app = await createApp({ context, segmentResults: createLakeSegmentResults(db, lakeDir) });
 */
export function createLakeSegmentResults(db: Database, lakeDir: string): SegmentResultsProvider {
  return async (key, attribute, query, principal) => {
    const { experiment, metricTypes } = await withTeam(db, principal.team, async (tx) => ({
      experiment: await getExperiment(tx, key),
      metricTypes: await registryMetricTypes(tx),
    }));
    const reader = createLakeReader(lakeDir);
    const dt = reader.latestResultsDt();
    if (dt === null)
      throw new HttpError(
        "not_found",
        `no results for '${key}' yet: the lake at ${lakeDir} has no results partition`,
      );
    const rows = (await reader.segmentResults({ experimentId: key, dt }))?.rows ?? [];
    const attributes = drillDownAttributes(rows);
    if (!attributes.includes(attribute))
      throw new HttpError(
        "not_found",
        attributes.length === 0
          ? `no per-segment results for '${key}' in dt=${dt}`
          : `no segment attribute '${attribute}' for '${key}' in dt=${dt} (available: ${attributes.join(", ")})`,
        { field: "attribute" },
      );
    return buildSegmentResults(experiment, rows, {
      attribute,
      mode: query.mode,
      cuped: query.cuped,
      alpha: RESULTS_ALPHA,
      dt,
      metricTypes,
    });
  };
}
