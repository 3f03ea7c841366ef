import { randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import type { Principal } from "./auth.js";
import { requireRole } from "./auth.js";
import { requireKnownEnvironment } from "./environment-store.js";
import { checkExperimentRules, checkReadyToRun, legalTransitions } from "./experiment-rules.js";
import type { Experiment, ExperimentInput, ExperimentPatch, ExperimentStatus } from "./experiment-schema.js";
import { computePowerAnalysis } from "./power-analysis.js";

interface ExperimentRow {
  experiment_key: string;
  name: string;
  description: string;
  hypothesis: string;
  type: "ab" | "feature";
  owner_team: string;
  status: ExperimentStatus;
  targeting: Experiment["targeting"];
  start_at: Date | null;
  end_at: Date | null;
  minimum_sample_size: number | null;
  prereg_url: string | null;
  power_analysis: Experiment["power_analysis"];
  assignment_salt: string;
  assignment_seed: number | string;
  environment: string;
  created_by: string;
  submitted_by: string | null;
  approved_by: string | null;
  created_at: Date;
  updated_at: Date;
  variants: Experiment["variants"] | null;
  metrics: Experiment["metrics"] | null;
}

const selectExperiments = `
  select e.*,
    (select json_agg(json_build_object('key', v.variant_key, 'allocation', v.allocation_percent,
        'is_control', v.is_control, 'description', v.description, 'configuration', v.configuration)
        order by v.position)
     from experiment_variant v where v.experiment_key = e.experiment_key) as variants,
    (select json_agg(json_build_object('metric_key', m.metric_key, 'role', m.role,
        'direction', m.direction, 'threshold', m.threshold) order by m.role, m.metric_key)
     from experiment_metric m where m.experiment_key = e.experiment_key) as metrics
  from experiment_registry e`;

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

function toExperiment(r: ExperimentRow): Experiment {
  return {
    key: r.experiment_key,
    name: r.name,
    description: r.description,
    hypothesis: r.hypothesis,
    type: r.type,
    owner_team: r.owner_team,
    status: r.status,
    variants: r.variants ?? [],
    metrics: r.metrics ?? [],
    targeting: r.targeting,
    start_at: iso(r.start_at),
    end_at: iso(r.end_at),
    minimum_sample_size: r.minimum_sample_size,
    prereg_url: r.prereg_url,
    power_analysis: r.power_analysis,
    assignment_salt: r.assignment_salt,
    assignment_seed: Number(r.assignment_seed),
    environment: r.environment,
    created_by: r.created_by,
    submitted_by: r.submitted_by,
    approved_by: r.approved_by,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

/** Every experiment visible in the transaction (row-level security limits it to the caller's team). */
export async function listExperiments(tx: Queryable, status?: ExperimentStatus): Promise<Experiment[]> {
  const { rows } = await tx.query<ExperimentRow>(
    `${selectExperiments} where ($1::text is null or e.status = $1) order by e.created_at, e.experiment_key`,
    [status ?? null],
  );
  return rows.map(toExperiment);
}

export async function findExperiment(tx: Queryable, key: string): Promise<Experiment | undefined> {
  const { rows } = await tx.query<ExperimentRow>(`${selectExperiments} where e.experiment_key = $1`, [key]);
  return rows[0] === undefined ? undefined : toExperiment(rows[0]);
}

export async function getExperiment(tx: Queryable, key: string): Promise<Experiment> {
  const found = await findExperiment(tx, key);
  if (found === undefined) throw new NotFoundError(`experiment '${key}'`, "key");
  return found;
}

async function knownMetricKeys(tx: Queryable): Promise<Set<string>> {
  const { rows } = await tx.query<{ metric_key: string }>("select metric_key from metric_definition");
  return new Set(rows.map((r) => r.metric_key));
}

async function writeChildren(tx: Queryable, input: ExperimentInput): Promise<void> {
  await tx.query("delete from experiment_variant where experiment_key = $1", [input.key]);
  await tx.query("delete from experiment_metric where experiment_key = $1", [input.key]);
  for (const [position, v] of input.variants.entries()) {
    await tx.query(
      `insert into experiment_variant (experiment_key, variant_key, position, allocation_percent, is_control,
        description, configuration, owner_team) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        input.key,
        v.key,
        position,
        v.allocation,
        v.is_control,
        v.description,
        JSON.stringify(v.configuration),
        input.owner_team,
      ],
    );
  }
  for (const m of input.metrics) {
    await tx.query(
      `insert into experiment_metric (experiment_key, metric_key, role, direction, threshold, owner_team)
       values ($1, $2, $3, $4, $5, $6)`,
      [input.key, m.metric_key, m.role, m.direction, m.threshold, input.owner_team],
    );
  }
}

/**
 * Registers a Draft experiment for the caller's team after checking every rule of seed 003.
 * @example await withTeam(db, p.team, (tx) => createExperiment(tx, p, input));
 */
export async function createExperiment(
  tx: Queryable,
  principal: Principal,
  input: ExperimentInput,
): Promise<Experiment> {
  requireRole(principal, "editor");
  if (input.owner_team !== principal.team) {
    throw new ForbiddenError(
      `the key belongs to team '${principal.team}', not '${input.owner_team}'`,
      "owner_team",
    );
  }
  checkExperimentRules(input, await knownMetricKeys(tx));
  await requireKnownEnvironment(tx, input.environment);
  const power = input.power_analysis === null ? null : computePowerAnalysis(input.power_analysis);
  const taken = await tx.query("select 1 from experiment_registry where experiment_key = $1", [input.key]);
  if (taken.rows.length > 0) throw new ConflictError(`experiment '${input.key}' already exists`, "key");
  try {
    await tx.query(
      `insert into experiment_registry (experiment_key, name, description, hypothesis, type, owner_team, status,
        targeting, start_at, end_at, minimum_sample_size, prereg_url, power_analysis, assignment_salt,
        assignment_seed, created_by, environment)
       values ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        input.key,
        input.name,
        input.description,
        input.hypothesis,
        input.type,
        input.owner_team,
        JSON.stringify(input.targeting),
        input.start_at,
        input.end_at,
        input.minimum_sample_size ?? power?.n_per_variant ?? null,
        input.prereg_url,
        power === null ? null : JSON.stringify(power),
        input.assignment_salt ?? randomBytes(8).toString("hex"),
        input.assignment_seed,
        principal.actor,
        input.environment,
      ],
    );
  } catch (error) {
    // Another team holds the key: row-level security hid it from the check above.
    if ((error as { code?: string }).code === "23505") {
      throw new ConflictError(`experiment key '${input.key}' is taken`, "key");
    }
    throw error;
  }
  await writeChildren(tx, input);
  const created = await getExperiment(tx, input.key);
  await appendAudit(tx, principal, {
    entityType: "experiment",
    entityKey: input.key,
    action: "create",
    before: null,
    after: created,
  });
  return created;
}

/** Replaces a Draft experiment's definition; any other status is frozen (409). */
export async function updateExperiment(
  tx: Queryable,
  principal: Principal,
  key: string,
  patch: ExperimentPatch,
): Promise<Experiment> {
  requireRole(principal, "editor");
  const before = await getExperiment(tx, key);
  if (before.status !== "draft") {
    throw new ConflictError(`experiment '${key}' is ${before.status}; only a draft can be edited`, "status");
  }
  const merged: ExperimentInput = {
    key,
    owner_team: before.owner_team,
    name: patch.name ?? before.name,
    description: patch.description ?? before.description,
    hypothesis: patch.hypothesis ?? before.hypothesis,
    type: patch.type ?? before.type,
    variants: patch.variants ?? before.variants,
    metrics: patch.metrics ?? before.metrics,
    targeting: patch.targeting ?? before.targeting,
    start_at: patch.start_at !== undefined ? patch.start_at : before.start_at,
    end_at: patch.end_at !== undefined ? patch.end_at : before.end_at,
    minimum_sample_size:
      patch.minimum_sample_size !== undefined ? patch.minimum_sample_size : before.minimum_sample_size,
    prereg_url: patch.prereg_url !== undefined ? patch.prereg_url : before.prereg_url,
    power_analysis:
      patch.power_analysis !== undefined
        ? patch.power_analysis
        : before.power_analysis === null
          ? null
          : {
              baseline_rate: before.power_analysis.baseline_rate,
              mde_abs: before.power_analysis.mde_abs,
              alpha: before.power_analysis.alpha,
              power: before.power_analysis.power,
            },
    assignment_salt: patch.assignment_salt ?? before.assignment_salt,
    assignment_seed: patch.assignment_seed ?? before.assignment_seed,
    environment: patch.environment ?? before.environment,
  };
  checkExperimentRules(merged, await knownMetricKeys(tx));
  await requireKnownEnvironment(tx, merged.environment);
  const power = merged.power_analysis === null ? null : computePowerAnalysis(merged.power_analysis);
  await tx.query(
    `update experiment_registry set name = $2, description = $3, hypothesis = $4, type = $5, targeting = $6,
      start_at = $7, end_at = $8, minimum_sample_size = $9, prereg_url = $10, power_analysis = $11,
      assignment_salt = $12, assignment_seed = $13, environment = $14, updated_at = now()
     where experiment_key = $1`,
    [
      key,
      merged.name,
      merged.description,
      merged.hypothesis,
      merged.type,
      JSON.stringify(merged.targeting),
      merged.start_at,
      merged.end_at,
      merged.minimum_sample_size ?? power?.n_per_variant ?? null,
      merged.prereg_url,
      power === null ? null : JSON.stringify(power),
      merged.assignment_salt,
      merged.assignment_seed,
      merged.environment,
    ],
  );
  await writeChildren(tx, merged);
  const after = await getExperiment(tx, key);
  await appendAudit(tx, principal, {
    entityType: "experiment",
    entityKey: key,
    action: "update",
    before,
    after,
  });
  return after;
}

/**
 * Moves an experiment through its lifecycle: only legal transitions (else 409); submitting and
 * starting need primary and guardrail metrics, a power analysis and a preregistration link;
 * approval needs a reviewer other than the author and the submitter.
 */
export async function transitionExperiment(
  tx: Queryable,
  principal: Principal,
  key: string,
  to: ExperimentStatus,
): Promise<Experiment> {
  requireRole(principal, "editor");
  const before = await getExperiment(tx, key);
  if (!legalTransitions[before.status].includes(to)) {
    const legal = legalTransitions[before.status];
    throw new ConflictError(
      `illegal transition ${before.status} → ${to} (from ${before.status}: ${legal.length === 0 ? "none" : legal.join(", ")})`,
      "status",
    );
  }
  if (to === "approved") requireRole(principal, "reviewer");
  if (to === "submitted" || to === "running") checkReadyToRun(before, to);
  if (
    to === "approved" &&
    (principal.actor === before.created_by || principal.actor === before.submitted_by)
  ) {
    throw new ForbiddenError(
      "the reviewer who approves must not be the experiment's author or submitter",
      "approved_by",
    );
  }
  if (to === "running" && before.status === "approved" && before.approved_by === null) {
    throw new ConflictError("cannot start: the preregistration has not been approved", "status");
  }
  const sets: string[] = ["status = $2", "updated_at = now()"];
  if (to === "submitted") sets.push("submitted_by = $3");
  if (to === "approved") sets.push("approved_by = $3");
  if (to === "draft") sets.push("submitted_by = null", "approved_by = null");
  if (to === "running" && before.start_at === null) sets.push("start_at = now()");
  if (to === "completed" && (before.end_at === null || Date.parse(before.end_at) > Date.now()))
    sets.push("end_at = now()");
  const params: unknown[] = [key, to];
  if (to === "submitted" || to === "approved") params.push(principal.actor);
  await tx.query(`update experiment_registry set ${sets.join(", ")} where experiment_key = $1`, params);
  const after = await getExperiment(tx, key);
  await appendAudit(tx, principal, {
    entityType: "experiment",
    entityKey: key,
    action: `status:${to}`,
    before,
    after,
  });
  return after;
}
