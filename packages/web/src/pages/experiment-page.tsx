import { type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import { isApiError } from "../api/api-error.js";
import type { AnalysisMode, Experiment, ExperimentStatus, ExperimentSummary } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { Badge, StatusBadge } from "../components/badge.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { ToggleGroup } from "../components/toggle-group.js";
import { type ExperimentOverview, overview } from "../format/experiment-overview.js";
import { type GuardrailCardView, guardrailCard } from "../format/guardrail-card.js";
import { lifecycleActions } from "../format/lifecycle.js";
import { formatDifference } from "../format/metric-format.js";
import type { Variance } from "../format/metric-results.js";
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatInterval,
  formatPercent,
  formatPValue,
  formatSignedPercent,
} from "../format/number-format.js";
import { hrefOf } from "../router.js";
import { CumulativeChart, ExposureHealth } from "./experiment-charts.js";
import { MetricResults } from "./experiment-results.js";
import { SegmentDrillDown } from "./segment-drill-down.js";

/** One experiment: preregistration, decision, results by mode and estimator, SRM, guardrails, power, exposure health. */
export function ExperimentPage({ experimentKey }: { readonly experimentKey: string }): ReactNode {
  const api = useApi();
  const [experiment, reloadExperiment] = useResource(() => api.getExperiment(experimentKey), [experimentKey]);
  const [summary, reloadSummary] = useResource(() => api.getSummary(experimentKey), [experimentKey]);
  if (experiment.state === "loading") return <Loading what="the experiment" />;
  if (experiment.state === "error")
    return (
      <ErrorView what={`experiment ${experimentKey}`} error={experiment.error} onRetry={reloadExperiment} />
    );
  const e = experiment.data;
  return (
    <article aria-labelledby="experiment-title">
      <p className="crumbs">
        <a href={hrefOf({ page: "experiments" })}>Experiments</a> / <span className="mono">{e.key}</span>
      </p>
      <div className="page-head page-head-start">
        <h1 id="experiment-title">{e.name}</h1>
        <StatusBadge status={e.status} />
      </div>
      <p className="meta">
        <span>team {e.owner_team}</span> · <span>{e.type === "ab" ? "A/B test" : "feature"}</span> ·{" "}
        <span>in {e.environment}</span> ·{" "}
        <span>
          {formatDate(e.start_at)} → {formatDate(e.end_at)}
        </span>{" "}
        · <span>variants {e.variants.map((v) => `${v.key} ${v.allocation}%`).join(" / ")}</span>
      </p>
      <Preregistration
        experiment={e}
        onChanged={() => {
          reloadExperiment();
          reloadSummary();
        }}
      />
      {summary.state === "loading" ? <Loading what="results" /> : null}
      {summary.state === "error" ? (
        isApiError(summary.error) &&
        summary.error.status === 404 &&
        ["draft", "submitted", "approved"].includes(e.status) ? (
          <Empty>No results: the experiment has not started.</Empty>
        ) : (
          <ErrorView what="results" error={summary.error} onRetry={reloadSummary} />
        )
      ) : null}
      {summary.state === "ready" ? <Results experiment={e} summary={summary.data} /> : null}
    </article>
  );
}

const roleRank = { primary: 0, secondary: 1, guardrail: 2 } as const;

function Preregistration({
  experiment: e,
  onChanged,
}: {
  readonly experiment: Experiment;
  readonly onChanged: () => void;
}): ReactNode {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const move = async (to: ExperimentStatus): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      await api.transition(e.key, to);
      onChanged();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  const pa = e.power_analysis;
  return (
    <section className="card" aria-labelledby="prereg-title">
      <h2 id="prereg-title">Hypothesis and preregistration</h2>
      <p className="hypothesis">
        {e.hypothesis === "" ? <span className="muted">No hypothesis written.</span> : e.hypothesis}
      </p>
      {e.description === "" ? null : <p className="muted">{e.description}</p>}
      <dl className="facts">
        <dt>Preregistration</dt>
        <dd>
          {e.prereg_url === null ? (
            <span className="muted">no link</span>
          ) : (
            <a href={e.prereg_url} rel="noreferrer" target="_blank">
              {e.prereg_url}
            </a>
          )}
        </dd>
        <dt>Metrics</dt>
        <dd>
          {[...e.metrics]
            .sort((a, b) => roleRank[a.role] - roleRank[b.role])
            .map((m) => (
              <span key={m.metric_key} className="metric-chip">
                <span className="mono">{m.metric_key}</span> {m.role}, {m.direction}
                {m.threshold === null ? "" : `, tolerance ${formatPercent(m.threshold, 0)}`}
              </span>
            ))}
        </dd>
        <dt>Power analysis</dt>
        <dd>
          {pa === null ? (
            <span className="muted">none</span>
          ) : (
            <>
              baseline {formatPercent(pa.baseline_rate)}, MDE {formatPercent(pa.mde_abs)} (abs), α {pa.alpha},
              power {formatPercent(pa.power, 0)} → <strong>{formatCount(pa.n_per_variant)}</strong> units per
              variant
            </>
          )}
        </dd>
        <dt>Workflow</dt>
        <dd>
          created by {e.created_by}
          {e.submitted_by === null ? "" : `, submitted by ${e.submitted_by}`}
          {e.approved_by === null ? "" : `, approved by ${e.approved_by}`}
        </dd>
      </dl>
      <div className="actions">
        {e.status === "draft" ? (
          <a className="button secondary" href={hrefOf({ page: "edit", key: e.key })}>
            Edit
          </a>
        ) : null}
        {lifecycleActions(e.status).map((a) => (
          <button
            key={a.to}
            type="button"
            className={a.prereg ? "button" : "button secondary"}
            disabled={busy}
            onClick={() => void move(a.to)}
          >
            {a.label}
          </button>
        ))}
      </div>
      {problem === null ? null : (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}

function Results({
  experiment: e,
  summary,
}: {
  readonly experiment: Experiment;
  readonly summary: ExperimentSummary;
}): ReactNode {
  const [mode, setMode] = useState<AnalysisMode>("itt");
  const [variance, setVariance] = useState<Variance>("raw");
  const o = overview(e, summary, mode, variance, new Date().toISOString());
  const alpha = summary.alpha ?? 0.05;
  const kinds = new Map(o.metrics.map((m) => [m.metricKey, m.kind]));
  return (
    <>
      <DecisionCard o={o} />
      <div className="switches">
        <ToggleGroup
          label="Analysis"
          name="mode"
          value={mode}
          onChange={setMode}
          options={[
            ["itt", "ITT (all assigned)"],
            ["exposed", "Exposed only"],
          ]}
        />
        <ToggleGroup
          label="Estimator"
          name="variance"
          value={variance}
          onChange={setVariance}
          options={[
            ["raw", "Raw"],
            ["cuped", "CUPED"],
          ]}
        />
      </div>
      <section aria-labelledby="results-title">
        <h2 id="results-title">Results</h2>
        {o.metrics.length === 0 ? <Empty>No results computed for this analysis mode yet.</Empty> : null}
        {o.metrics.map((m) => (
          <MetricResults key={m.metricKey} view={m} alpha={alpha} analysis={summary.analysis} />
        ))}
      </section>
      <div className="two-col">
        <SrmCard o={o} mode={mode} />
        <GuardrailCard card={guardrailCard(e, summary, o.metrics)} alpha={alpha} />
        <PowerCard o={o} experiment={e} />
        <QualityCard o={o} />
      </div>
      <section className="card" aria-labelledby="cumulative-title">
        <h2 id="cumulative-title">Cumulative difference over time</h2>
        <CumulativeChart series={summary.cumulative} mode={mode} kindOf={(k) => kinds.get(k) ?? "number"} />
      </section>
      <section className="card" aria-labelledby="exposure-title">
        <h2 id="exposure-title">Exposure health per day</h2>
        <ExposureHealth days={summary.exposure_daily} />
      </section>
      <SegmentDrillDown experiment={e} segments={summary.segments} mode={mode} variance={variance} />
    </>
  );
}

function DecisionCard({ o }: { readonly o: ExperimentOverview }): ReactNode {
  return (
    <section className={`card decision decision-${o.decision.tone}`} aria-labelledby="decision-title">
      <h2 id="decision-title">
        Decision: <span className="decision-label">{o.decision.label}</span>
      </h2>
      <ul className="decision-reasons">
        {o.decision.lines.map((r) => (
          <li key={`${r.code}-${r.text}`} className={`reason-${r.severity}`} data-code={r.code ?? undefined}>
            {r.text}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SrmCard({ o, mode }: { readonly o: ExperimentOverview; readonly mode: AnalysisMode }): ReactNode {
  return (
    <section className="card" aria-labelledby="srm-title">
      <h2 id="srm-title">
        Sample ratio{" "}
        {o.srm.detected ? (
          <Badge tone="negative">mismatch</Badge>
        ) : o.srm.threshold === null ? (
          <Badge tone="neutral">not evaluated yet</Badge>
        ) : (
          <Badge tone="positive">ok</Badge>
        )}
      </h2>
      <p className="muted small">
        {o.srm.threshold === null
          ? "The decision engine has not tested the split yet."
          : `Decision engine, sequential test of assigned units (valid at every hourly run): always-valid p = ${formatPValue(o.srm.pValue)}, alert below ${o.srm.threshold}.`}{" "}
        Supporting detail: one-look χ² of {mode === "itt" ? "assigned" : "exposed"} units, p ={" "}
        {formatPValue(o.srm.chiSquareP)}.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" className="num">
              Units
            </th>
            <th scope="col" className="num">
              Observed
            </th>
            <th scope="col" className="num">
              Expected
            </th>
          </tr>
        </thead>
        <tbody>
          {o.srm.shares.map((s) => (
            <tr key={s.variationId}>
              <th scope="row">{s.variationId}</th>
              <td className="num">{formatCount(s.observed)}</td>
              <td className="num">{formatPercent(s.observedShare)}</td>
              <td className="num">{formatPercent(s.expectedShare)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function GuardrailCard({
  card,
  alpha,
}: {
  readonly card: GuardrailCardView;
  readonly alpha: number;
}): ReactNode {
  const confidence = `${Math.round((1 - alpha) * 100)}%`;
  return (
    <section className="card" aria-labelledby="guardrails-title">
      <h2 id="guardrails-title">Guardrails</h2>
      <p className="muted small">
        Status: the decision engine&apos;s verdict (sequential boundary, fail-closed guard)
        {card.evaluatedAt === null ? (
          <> — not evaluated yet.</>
        ) : (
          <>
            , evaluated <time dateTime={card.evaluatedAt}>{formatDateTime(card.evaluatedAt)}</time>
            {card.resultsDt === null ? "" : ` on the results of ${card.resultsDt}`}.
          </>
        )}
      </p>
      {card.failClosed === null ? null : (
        <p className="field-error guardrail-fail-closed">
          <Badge tone="negative">failed closed</Badge> Since{" "}
          <time dateTime={card.failClosed.trippedAt}>{formatDateTime(card.failClosed.trippedAt)}</time> every
          user gets control (re-enable deliberately).
          {card.failClosed.message === null ? null : <> {card.failClosed.message}.</>}
        </p>
      )}
      {card.rows.length === 0 ? <p className="muted">No guardrail metrics in the contract.</p> : null}
      <ul className="plain guardrail-list">
        {card.rows.map((r) => (
          <li key={r.metricKey} data-guardrail={r.metricKey} data-verdict={r.status}>
            <Badge tone={r.tone}>{r.label}</Badge> <span className="mono">{r.metricKey}</span>
            {r.threshold === null ? null : (
              <span className="muted"> · tolerance {formatPercent(Math.abs(r.threshold), 0)}</span>
            )}
            <ul className="guardrail-reasons">
              {r.reasons.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            {r.fixedSample.length === 0 ? null : (
              <p className="muted small guardrail-fixed-sample">
                Supporting detail, not the verdict — the results' interval:{" "}
                {r.fixedSample
                  .map(
                    (f) =>
                      `${f.variationId} ${formatSignedPercent(f.upliftRel, 1)}, ${f.method === "analysis" ? "analysis-method" : `fixed-sample ${confidence}`} interval ${formatInterval(f.ciLow, f.ciHigh, formatDifference(r.kind))}`,
                  )
                  .join("; ")}
                .
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PowerCard({
  o,
  experiment: e,
}: {
  readonly o: ExperimentOverview;
  readonly experiment: Experiment;
}): ReactNode {
  const p = o.power;
  return (
    <section className="card" aria-labelledby="power-title">
      <h2 id="power-title">Power tracking</h2>
      {p.progress === null ? (
        <p className="muted">No preregistered sample size: add a power analysis.</p>
      ) : (
        <>
          <div
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(Math.min(1, p.progress) * 100)}
            aria-label="Share of the planned sample"
          >
            <div className="progress-bar" style={{ width: `${Math.min(1, p.progress) * 100}%` }} />
          </div>
          <p>
            Smallest arm {formatCount(p.smallestArm)} of {formatCount(p.requiredPerVariant)} units (
            {formatPercent(p.progress, 0)}).
          </p>
          <p>
            Projected end: <strong>{p.progress >= 1 ? "sample reached" : formatDate(p.projectedEnd)}</strong>
            {e.end_at === null ? null : <span className="muted"> · planned {formatDate(e.end_at)}</span>}
          </p>
          {p.overrunsPlannedEnd ? (
            <p className="field-error">
              At this rate the planned sample is reached after the planned end date.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

function QualityCard({ o }: { readonly o: ExperimentOverview }): ReactNode {
  return (
    <section className="card" aria-labelledby="quality-title">
      <h2 id="quality-title">Data quality</h2>
      {o.warnings.length === 0 ? (
        <p>
          <Badge tone="positive">clean</Badge> No exposure or assignment problems counted.
        </p>
      ) : (
        <ul className="plain">
          {o.warnings.map((w) => (
            <li key={w.key}>
              <Badge tone="warning">warning</Badge> {w.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
