import type { ModelDefinition } from "../models/model.js";

/**
 * `dim_user_identity`: one row per anonymous id that some identify row names, saying which identity it
 * belongs to. Deterministic links come first: an anon_id claimed by exactly one identity is stitched to it
 * (`method = 'deterministic'`, confidence 1); an anon_id claimed by two or more identities is a `conflict`,
 * is never stitched (it stays its own unit) and is listed in the quality report. Probabilistic candidates
 * (rows with a confidence) are considered only for anon_ids without any deterministic row; one is applied
 * when `identity.probabilistic.enabled`, it is the only identity claiming the anon_id and its confidence is
 * at least `min_confidence`.
 * @example compileModel(dimUserIdentity, { dialect: duckdbDialect, config })
 */
export const dimUserIdentity: ModelDefinition = {
  name: "dim_user_identity",
  grain: ["anon_id"],
  zone: "silver",
  description:
    "anon_id → identity_id: deterministic links (unique claimant), then optional probabilistic ones; conflicts kept unstitched.",
  dependsOn: ["raw_identifies"],
  sql: ({ dialect: { functions: f }, config }) => {
    const probabilistic = config.identity?.probabilistic;
    const enabled = probabilistic?.enabled === true;
    const minConfidence = probabilistic?.minConfidence ?? 1;
    return `WITH links AS (
  SELECT anon_id, identity_id, confidence, identify_time_utc
  FROM raw_identifies
  WHERE anon_id <> identity_id
), det AS (
  SELECT anon_id, min(identity_id) AS identity_id, ${f.countDistinct("identity_id")} AS claims,
    min(identify_time_utc) AS first_identified_utc
  FROM links WHERE confidence IS NULL
  GROUP BY anon_id
), prob_pairs AS (
  SELECT anon_id, identity_id, max(confidence) AS confidence, min(identify_time_utc) AS first_identified_utc
  FROM links WHERE confidence IS NOT NULL AND anon_id NOT IN (SELECT anon_id FROM det)
  GROUP BY anon_id, identity_id
), prob AS (
  SELECT anon_id, ${f.argMin("identity_id", ["0 - confidence", "identity_id"])} AS identity_id,
    max(confidence) AS confidence, count(*) AS claims, min(first_identified_utc) AS first_identified_utc
  FROM prob_pairs
  GROUP BY anon_id
)
SELECT anon_id,
  CASE WHEN claims = 1 THEN identity_id ELSE ${f.nullOf("text")} END AS identity_id,
  CASE WHEN claims = 1 THEN ${f.string("deterministic")} ELSE ${f.string("conflict")} END AS method,
  ${f.cast("1", "double")} AS confidence,
  ${f.cast("claims", "bigint")} AS claims,
  first_identified_utc,
  ${f.boolOf("claims = 1")} AS is_applied
FROM det
UNION ALL
SELECT anon_id,
  CASE WHEN claims = 1 THEN identity_id ELSE ${f.nullOf("text")} END AS identity_id,
  CASE WHEN claims = 1 THEN ${f.string("probabilistic")} ELSE ${f.string("probabilistic_ambiguous")} END AS method,
  ${f.cast("confidence", "double")} AS confidence,
  ${f.cast("claims", "bigint")} AS claims,
  first_identified_utc,
  ${f.boolOf(enabled ? `claims = 1 AND confidence >= ${minConfidence}` : "1 = 0")} AS is_applied
FROM prob`;
  },
  tests: () => [
    { kind: "unique", columns: ["anon_id"] },
    { kind: "not_null", columns: ["anon_id", "method", "claims", "is_applied"] },
    {
      kind: "accepted_values",
      column: "method",
      values: ["deterministic", "conflict", "probabilistic", "probabilistic_ambiguous"],
    },
    {
      kind: "expression",
      name: "applied_links_have_identity",
      failingRows: "is_applied AND identity_id IS NULL",
    },
  ],
};
