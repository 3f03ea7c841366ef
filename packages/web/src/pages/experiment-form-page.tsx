import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { useApi } from "../api/api-context.js";
import { isApiError } from "../api/api-error.js";
import type { Experiment, ExperimentInput, MetricDirection, MetricRole } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { ErrorView, Loading } from "../components/state-views.js";
import { dayToIso, fieldAnchor, isoToDay, parseNumberField } from "../format/field-anchor.js";
import { hrefOf, navigate } from "../router.js";

interface VariantDraft {
  key: string;
  allocation: string;
  is_control: boolean;
  description: string;
}
interface MetricDraft {
  metric_key: string;
  role: MetricRole;
  direction: MetricDirection;
  threshold: string;
}
interface Draft {
  key: string;
  name: string;
  owner_team: string;
  type: "ab" | "feature";
  environment: string;
  hypothesis: string;
  description: string;
  start: string;
  end: string;
  prereg_url: string;
  variants: VariantDraft[];
  metrics: MetricDraft[];
  baseline_rate: string;
  mde_abs: string;
  alpha: string;
  power: string;
}

const blank = (team: string): Draft => ({
  key: "",
  name: "",
  owner_team: team,
  type: "ab",
  environment: "production",
  hypothesis: "",
  description: "",
  start: "",
  end: "",
  prereg_url: "",
  variants: [
    { key: "control", allocation: "50", is_control: true, description: "" },
    { key: "treatment", allocation: "50", is_control: false, description: "" },
  ],
  metrics: [{ metric_key: "", role: "primary", direction: "increase", threshold: "" }],
  baseline_rate: "",
  mde_abs: "",
  alpha: "0.05",
  power: "0.8",
});

function fromExperiment(e: Experiment): Draft {
  return {
    key: e.key,
    name: e.name,
    owner_team: e.owner_team,
    type: e.type,
    environment: e.environment,
    hypothesis: e.hypothesis,
    description: e.description,
    start: isoToDay(e.start_at),
    end: isoToDay(e.end_at),
    prereg_url: e.prereg_url ?? "",
    variants: e.variants.map((v) => ({
      key: v.key,
      allocation: String(v.allocation),
      is_control: v.is_control,
      description: v.description,
    })),
    metrics: e.metrics.map((m) => ({
      metric_key: m.metric_key,
      role: m.role,
      direction: m.direction,
      threshold: m.threshold === null ? "" : String(m.threshold),
    })),
    baseline_rate: e.power_analysis === null ? "" : String(e.power_analysis.baseline_rate),
    mde_abs: e.power_analysis === null ? "" : String(e.power_analysis.mde_abs),
    alpha: e.power_analysis === null ? "0.05" : String(e.power_analysis.alpha),
    power: e.power_analysis === null ? "0.8" : String(e.power_analysis.power),
  };
}

function toInput(d: Draft): ExperimentInput {
  const baseline = parseNumberField(d.baseline_rate);
  const mde = parseNumberField(d.mde_abs);
  return {
    key: d.key.trim(),
    name: d.name,
    owner_team: d.owner_team.trim(),
    type: d.type,
    environment: d.environment,
    hypothesis: d.hypothesis,
    description: d.description,
    start_at: dayToIso(d.start),
    end_at: dayToIso(d.end),
    prereg_url: d.prereg_url.trim() === "" ? null : d.prereg_url.trim(),
    variants: d.variants.map((v) => ({
      key: v.key.trim(),
      allocation: parseNumberField(v.allocation) ?? Number.NaN,
      is_control: v.is_control,
      description: v.description,
    })),
    metrics: d.metrics.map((m) => ({
      metric_key: m.metric_key.trim(),
      role: m.role,
      direction: m.direction,
      threshold: parseNumberField(m.threshold),
    })),
    power_analysis:
      baseline === null && mde === null
        ? null
        : {
            baseline_rate: baseline ?? Number.NaN,
            mde_abs: mde ?? Number.NaN,
            alpha: parseNumberField(d.alpha) ?? 0.05,
            power: parseNumberField(d.power) ?? 0.8,
          },
  };
}

const TEAM_KEY = "assay.team";

/** Create or edit (drafts only) an experiment; the registry's validation errors appear next to their field. */
export function ExperimentFormPage({ editKey }: { readonly editKey?: string }): ReactNode {
  const api = useApi();
  const [existing, reload] = useResource(
    () => (editKey === undefined ? Promise.resolve(null) : api.getExperiment(editKey)),
    [editKey],
  );
  if (existing.state === "loading") return <Loading what="the experiment" />;
  if (existing.state === "error")
    return <ErrorView what="the experiment" error={existing.error} onRetry={reload} />;
  return <ExperimentForm existing={existing.data} />;
}

function ExperimentForm({ existing }: { readonly existing: Experiment | null }): ReactNode {
  const api = useApi();
  const [draft, setDraft] = useState<Draft>(() =>
    existing === null ? blank(localStorage.getItem(TEAM_KEY) ?? "") : fromExperiment(existing),
  );
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [metricKeys, setMetricKeys] = useState<string[]>([]);
  const [environments, setEnvironments] = useState<string[]>(["development", "staging", "production"]);
  useEffect(() => {
    api.listMetricKeys().then(setMetricKeys, () => setMetricKeys([]));
    api.listEnvironments().then(
      (list) => setEnvironments(list.map((e) => e.key)),
      () => undefined,
    );
  }, [api]);
  const known = new Set<string>([
    "key",
    "name",
    "owner_team",
    "environment",
    "hypothesis",
    "description",
    "start_at",
    "end_at",
    "prereg_url",
    "variants",
    "metrics",
    "power_analysis",
  ]);
  draft.variants.forEach((_, i) => {
    for (const f of ["key", "allocation"]) known.add(`variants[${i}].${f}`);
  });
  draft.metrics.forEach((_, i) => {
    for (const f of ["metric_key", "threshold"]) known.add(`metrics[${i}].${f}`);
  });
  for (const f of ["baseline_rate", "mde_abs", "alpha", "power"]) known.add(`power_analysis.${f}`);
  const errorAt = (field: string): ReactNode =>
    error !== null && error.field === field ? (
      <span className="field-error" id={`err-${field}`} role="alert">
        {error.message}
      </span>
    ) : null;
  const invalid = (field: string) =>
    error !== null && error.field === field
      ? { "aria-invalid": true, "aria-describedby": `err-${field}` }
      : {};
  const set = <K extends keyof Draft>(k: K, v: Draft[K]): void => setDraft((d) => ({ ...d, [k]: v }));
  const setVariant = (i: number, patch: Partial<VariantDraft>): void =>
    setDraft((d) => ({
      ...d,
      variants: d.variants.map((v, j) =>
        j === i ? { ...v, ...patch } : patch.is_control === true ? { ...v, is_control: false } : v,
      ),
    }));
  const setMetric = (i: number, patch: Partial<MetricDraft>): void =>
    setDraft((d) => ({ ...d, metrics: d.metrics.map((m, j) => (j === i ? { ...m, ...patch } : m)) }));

  const submit = async (ev: FormEvent): Promise<void> => {
    ev.preventDefault();
    setSaving(true);
    setError(null);
    const input = toInput(draft);
    try {
      localStorage.setItem(TEAM_KEY, input.owner_team);
      const saved =
        existing === null
          ? await api.createExperiment(input)
          : await api.updateExperiment(existing.key, (({ key: _k, owner_team: _t, ...rest }) => rest)(input));
      navigate({ page: "experiment", key: saved.key });
    } catch (e) {
      if (isApiError(e)) setError({ field: fieldAnchor(e.field, known), message: e.message });
      else setError({ field: null, message: e instanceof Error ? e.message : String(e) });
    } finally {
      setSaving(false);
    }
  };

  const title = existing === null ? "New experiment" : `Edit ${existing.key}`;
  return (
    <form
      className="experiment-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="form-title"
    >
      <p className="crumbs">
        <a href={hrefOf({ page: "experiments" })}>Experiments</a> / {existing === null ? "new" : existing.key}
      </p>
      <h1 id="form-title">{title}</h1>
      {error !== null && error.field === null ? (
        <p className="field-error form-error" role="alert">
          {error.message}
        </p>
      ) : null}
      {error !== null && error.field !== null ? (
        <p className="form-error-summary" role="status">
          Please fix the highlighted field:{" "}
          <a
            href={`#field-${error.field}`}
            onClick={(e) => {
              e.preventDefault();
              document.getElementById(`field-${error.field}`)?.focus();
            }}
          >
            {error.field}
          </a>
        </p>
      ) : null}
      <fieldset>
        <legend>Identity</legend>
        <div className="grid-2">
          <label>
            Key
            <input
              id="field-key"
              value={draft.key}
              disabled={existing !== null}
              onChange={(e) => set("key", e.target.value)}
              placeholder="checkout_button"
              required
              {...invalid("key")}
            />
            {errorAt("key")}
          </label>
          <label>
            Name
            <input
              id="field-name"
              value={draft.name}
              onChange={(e) => set("name", e.target.value)}
              required
              {...invalid("name")}
            />
            {errorAt("name")}
          </label>
          <label>
            Owner team
            <input
              id="field-owner_team"
              value={draft.owner_team}
              disabled={existing !== null}
              onChange={(e) => set("owner_team", e.target.value)}
              required
              {...invalid("owner_team")}
            />
            {errorAt("owner_team")}
          </label>
          <label>
            Type
            <select value={draft.type} onChange={(e) => set("type", e.target.value as "ab" | "feature")}>
              <option value="ab">A/B test</option>
              <option value="feature">feature</option>
            </select>
          </label>
          <label>
            Environment
            <select
              id="field-environment"
              value={draft.environment}
              onChange={(e) => set("environment", e.target.value)}
              {...invalid("environment")}
            >
              {environments.map((key) => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
            {errorAt("environment")}
          </label>
        </div>
        <label>
          Hypothesis
          <textarea
            id="field-hypothesis"
            rows={3}
            value={draft.hypothesis}
            onChange={(e) => set("hypothesis", e.target.value)}
            placeholder="If we …, then … will increase, because …"
            {...invalid("hypothesis")}
          />
          {errorAt("hypothesis")}
        </label>
        <label>
          Description
          <textarea
            id="field-description"
            rows={2}
            value={draft.description}
            onChange={(e) => set("description", e.target.value)}
          />
          {errorAt("description")}
        </label>
      </fieldset>
      <fieldset id="field-variants" tabIndex={-1} {...invalid("variants")}>
        <legend>Variants and traffic allocation</legend>
        {errorAt("variants")}
        {draft.variants.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity.
          <div className="row" key={i}>
            <label>
              Variant key
              <input
                id={`field-variants[${i}].key`}
                value={v.key}
                onChange={(e) => setVariant(i, { key: e.target.value })}
                {...invalid(`variants[${i}].key`)}
              />
              {errorAt(`variants[${i}].key`)}
            </label>
            <label>
              Allocation %
              <input
                id={`field-variants[${i}].allocation`}
                inputMode="decimal"
                value={v.allocation}
                onChange={(e) => setVariant(i, { allocation: e.target.value })}
                {...invalid(`variants[${i}].allocation`)}
              />
              {errorAt(`variants[${i}].allocation`)}
            </label>
            <label className="check">
              <input
                type="radio"
                name="control"
                checked={v.is_control}
                onChange={() => setVariant(i, { is_control: true })}
              />{" "}
              control
            </label>
            <button
              type="button"
              className="button-small secondary"
              aria-label={`Remove variant ${v.key || i + 1}`}
              onClick={() => setDraft((d) => ({ ...d, variants: d.variants.filter((_, j) => j !== i) }))}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="button-small"
          onClick={() =>
            setDraft((d) => ({
              ...d,
              variants: [...d.variants, { key: "", allocation: "0", is_control: false, description: "" }],
            }))
          }
        >
          Add variant
        </button>
      </fieldset>
      <fieldset id="field-metrics" tabIndex={-1} {...invalid("metrics")}>
        <legend>Metrics contract</legend>
        {errorAt("metrics")}
        <datalist id="metric-keys">
          {metricKeys.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        {draft.metrics.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity.
          <div className="row" key={i}>
            <label>
              Metric
              <input
                id={`field-metrics[${i}].metric_key`}
                list="metric-keys"
                value={m.metric_key}
                onChange={(e) => setMetric(i, { metric_key: e.target.value })}
                {...invalid(`metrics[${i}].metric_key`)}
              />
              {errorAt(`metrics[${i}].metric_key`)}
            </label>
            <label>
              Role
              <select value={m.role} onChange={(e) => setMetric(i, { role: e.target.value as MetricRole })}>
                <option value="primary">primary</option>
                <option value="secondary">secondary</option>
                <option value="guardrail">guardrail</option>
              </select>
            </label>
            <label>
              Goal
              <select
                value={m.direction}
                onChange={(e) => setMetric(i, { direction: e.target.value as MetricDirection })}
              >
                <option value="increase">increase</option>
                <option value="decrease">decrease</option>
              </select>
            </label>
            <label>
              Tolerance (guardrail)
              <input
                id={`field-metrics[${i}].threshold`}
                inputMode="decimal"
                placeholder="0.2 = 20%"
                value={m.threshold}
                onChange={(e) => setMetric(i, { threshold: e.target.value })}
                {...invalid(`metrics[${i}].threshold`)}
              />
              {errorAt(`metrics[${i}].threshold`)}
            </label>
            <button
              type="button"
              className="button-small secondary"
              aria-label={`Remove metric ${m.metric_key || i + 1}`}
              onClick={() => setDraft((d) => ({ ...d, metrics: d.metrics.filter((_, j) => j !== i) }))}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="button-small"
          onClick={() =>
            setDraft((d) => ({
              ...d,
              metrics: [
                ...d.metrics,
                { metric_key: "", role: "guardrail", direction: "decrease", threshold: "" },
              ],
            }))
          }
        >
          Add metric
        </button>
      </fieldset>
      <fieldset>
        <legend>Schedule and preregistration</legend>
        <div className="grid-2">
          <label>
            Start (UTC)
            <input
              id="field-start_at"
              type="date"
              value={draft.start}
              onChange={(e) => set("start", e.target.value)}
              {...invalid("start_at")}
            />
            {errorAt("start_at")}
          </label>
          <label>
            End (UTC)
            <input
              id="field-end_at"
              type="date"
              value={draft.end}
              onChange={(e) => set("end", e.target.value)}
              {...invalid("end_at")}
            />
            {errorAt("end_at")}
          </label>
        </div>
        <label>
          Preregistration link
          <input
            id="field-prereg_url"
            type="url"
            value={draft.prereg_url}
            onChange={(e) => set("prereg_url", e.target.value)}
            placeholder="https://…"
            {...invalid("prereg_url")}
          />
          {errorAt("prereg_url")}
        </label>
      </fieldset>
      <fieldset id="field-power_analysis" tabIndex={-1}>
        <legend>Power analysis (two proportions)</legend>
        {errorAt("power_analysis")}
        <div className="grid-4">
          {(
            [
              ["baseline_rate", "Baseline rate", "0.10"],
              ["mde_abs", "Minimum detectable effect (abs)", "0.01"],
              ["alpha", "α", "0.05"],
              ["power", "Power", "0.8"],
            ] as const
          ).map(([k, label, ph]) => (
            <label key={k}>
              {label}
              <input
                id={`field-power_analysis.${k}`}
                inputMode="decimal"
                placeholder={ph}
                value={draft[k]}
                onChange={(e) => set(k, e.target.value)}
                {...invalid(`power_analysis.${k}`)}
              />
              {errorAt(`power_analysis.${k}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="button" disabled={saving}>
          {saving ? "Saving…" : existing === null ? "Create draft" : "Save draft"}
        </button>
        <a
          className="button secondary"
          href={
            existing === null
              ? hrefOf({ page: "experiments" })
              : hrefOf({ page: "experiment", key: existing.key })
          }
        >
          Cancel
        </a>
      </div>
    </form>
  );
}
