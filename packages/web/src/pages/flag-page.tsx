import { type FormEvent, type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { Environment, Flag, FlagInput } from "../api/api-types.js";
import { useChosenEnvironment } from "../api/use-chosen-environment.js";
import { useResource } from "../api/use-resource.js";
import { Badge } from "../components/badge.js";
import { ChangeDiff } from "../components/change-diff.js";
import { EnvironmentSwitcher } from "../components/environment-switcher.js";
import { RolloutSchedule } from "../components/rollout-schedule.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { hrefOf } from "../router.js";
import { rulesText } from "./flags-page.js";

/** The input that writes `flag` back as it is, with `enabled` and the rollout changed. */
function inputOf(flag: Flag, enabled: boolean, rollout: number): FlagInput {
  return {
    key: flag.key,
    ...(flag.name === undefined ? {} : { name: flag.name }),
    description: flag.description,
    type: flag.type,
    default_value: flag.default_value,
    enabled,
    rollout_percentage: rollout,
    ...(flag.variation_value === undefined || flag.variation_value === null
      ? {}
      : { variation_value: flag.variation_value }),
    targeting: flag.targeting,
    dependencies: flag.dependencies,
    experiment_key: flag.experiment_key,
    overrides: flag.overrides,
  };
}

async function loadAll(
  api: ReturnType<typeof useApi>,
  key: string,
): Promise<{ environments: Environment[]; states: Flag[] }> {
  const environments = await api.listEnvironments();
  const states = await Promise.all(environments.map((e) => api.getFlag(key, e.key)));
  return { environments, states };
}

/** One flag in every environment: its state side by side, the chosen environment's edit (or proposal), and copy. */
export function FlagPage({ flagKey }: { readonly flagKey: string }): ReactNode {
  const api = useApi();
  const [environment, setEnvironment] = useChosenEnvironment();
  const [environmentList] = useResource(() => api.listEnvironments(), []);
  const [all, reloadAll] = useResource(() => loadAll(api, flagKey), [flagKey]);
  const [requests, reloadRequests] = useResource(
    () => api.listChangeRequests({ flagKey, status: "open" }),
    [flagKey],
  );
  const [rollout] = useResource(() => api.getRollout(flagKey, environment), [flagKey, environment]);
  const [from, setFrom] = useState("staging");
  const [to, setTo] = useState(environment);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState<{ enabled: boolean; rollout: string } | null>(null);

  const run = async (action: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      setNotice(await action());
      setDraft(null);
      reloadAll();
      reloadRequests();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const chosenEnv =
    all.state === "ready" ? all.data.environments.find((e) => e.key === environment) : undefined;
  const chosen =
    all.state === "ready" ? all.data.states.find((f) => f.environment === environment) : undefined;
  const edit =
    draft ??
    (chosen === undefined ? null : { enabled: chosen.enabled, rollout: String(chosen.rollout_percentage) });

  const save = (e: FormEvent): void => {
    e.preventDefault();
    if (chosen === undefined || edit === null) return;
    const rollout = Number(edit.rollout);
    const input = inputOf(chosen, edit.enabled, rollout);
    void run(async () => {
      if (chosenEnv?.requires_review === true) {
        const cr = await api.proposeFlagChange(flagKey, environment, input, "");
        return `Proposed change request #${cr.id} for ${environment}: another editor approves it.`;
      }
      await api.putFlag(flagKey, environment, input);
      return `Saved ${flagKey} in ${environment}.`;
    });
  };

  const copy = (e: FormEvent): void => {
    e.preventDefault();
    void run(async () => {
      const result = await api.copyFlag(flagKey, from, to);
      return result.applied
        ? `Copied ${flagKey} from ${from} to ${to}.`
        : `${to} requires review: proposed change request #${result.change_request?.id} (copy of ${from}).`;
    });
  };

  return (
    <section aria-labelledby="flag-title">
      <div className="page-head">
        <div className="page-head-start">
          <div className="crumbs">
            <a href={hrefOf({ page: "flags" })}>Flags</a> /
          </div>
          <h1 id="flag-title" className="mono">
            {flagKey}
          </h1>
        </div>
        <a href={hrefOf({ page: "change_requests" })}>Change requests</a>
      </div>
      <EnvironmentSwitcher
        environments={environmentList}
        value={environment}
        onChange={(next) => {
          setDraft(null);
          setEnvironment(next);
          setTo(next);
        }}
      />
      {notice === null ? null : (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {problem === null ? null : (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {all.state === "loading" ? <Loading what="the flag" /> : null}
      {all.state === "error" ? <ErrorView what="the flag" error={all.error} onRetry={reloadAll} /> : null}
      {all.state === "ready" ? (
        <>
          <h2>In every environment</h2>
          <table className="table environments-table">
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Rollout
                </th>
                <th scope="col">Rules</th>
              </tr>
            </thead>
            <tbody>
              {all.data.states.map((f) => {
                const env = all.data.environments.find((e) => e.key === f.environment);
                return (
                  <tr
                    key={f.environment}
                    data-environment={f.environment}
                    aria-current={f.environment === environment ? "true" : undefined}
                    className={f.environment === environment ? "current-row" : undefined}
                  >
                    <td data-label="Environment">
                      <strong>{f.environment}</strong>{" "}
                      {env?.requires_review === true ? <Badge tone="info">review</Badge> : null}
                    </td>
                    <td data-label="State">
                      {f.enabled ? (
                        <Badge tone="positive">on</Badge>
                      ) : f.killed ? (
                        <Badge tone="negative">killed</Badge>
                      ) : (
                        <Badge tone="neutral">off</Badge>
                      )}
                    </td>
                    <td data-label="Rollout" className="num">
                      {f.rollout_percentage}%
                    </td>
                    <td data-label="Rules">{rulesText(f)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>

          <h2 id="rollout-title">Rollout schedule in {environment}</h2>
          {rollout.state === "loading" ? <Loading what="the rollout schedule" /> : null}
          {rollout.state === "error" ? <ErrorView what="the rollout schedule" error={rollout.error} /> : null}
          {rollout.state === "ready" ? (
            <RolloutSchedule rollout={rollout.data} environment={environment} />
          ) : null}

          {chosen === undefined || edit === null ? null : (
            <form className="card flag-edit" onSubmit={save} aria-labelledby="edit-title">
              <h2 id="edit-title">
                {chosenEnv?.requires_review === true ? "Propose a change in" : "Change"} {environment}
              </h2>
              <label className="inline-label">
                <input
                  type="checkbox"
                  checked={edit.enabled}
                  onChange={(e) => setDraft({ ...edit, enabled: e.target.checked })}
                />{" "}
                Enabled
              </label>{" "}
              <label className="inline-label">
                Rollout %{" "}
                <input
                  type="number"
                  min={0}
                  max={100}
                  step="any"
                  value={edit.rollout}
                  onChange={(e) => setDraft({ ...edit, rollout: e.target.value })}
                />
              </label>{" "}
              <button type="submit" className="button" disabled={busy}>
                {chosenEnv?.requires_review === true ? "Propose change" : "Save"}
              </button>
            </form>
          )}

          <form className="card flag-copy" onSubmit={copy} aria-labelledby="copy-title">
            <h2 id="copy-title">Copy configuration</h2>
            <p className="muted small">
              Enabled state, kill state, rollout, targeting and overrides, in one audited action. Into an
              environment that requires review, the copy is proposed as a change request.
            </p>
            <label className="inline-label">
              From{" "}
              <select value={from} onChange={(e) => setFrom(e.target.value)} aria-label="Copy from">
                {all.data.environments.map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.key}
                  </option>
                ))}
              </select>
            </label>{" "}
            <label className="inline-label">
              to{" "}
              <select value={to} onChange={(e) => setTo(e.target.value)} aria-label="Copy to">
                {all.data.environments.map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.key}
                  </option>
                ))}
              </select>
            </label>{" "}
            <button type="submit" className="button" disabled={busy || from === to}>
              Copy {from} → {to}
            </button>
          </form>
        </>
      ) : null}

      <h2>Open change requests</h2>
      {requests.state === "loading" ? <Loading what="change requests" /> : null}
      {requests.state === "error" ? (
        <ErrorView what="change requests" error={requests.error} onRetry={reloadRequests} />
      ) : null}
      {requests.state === "ready" && requests.data.length === 0 ? (
        <Empty>No open change requests for {flagKey}.</Empty>
      ) : null}
      {requests.state === "ready"
        ? requests.data.map((cr) => (
            <div key={cr.id} className="card" data-change-request={cr.id}>
              <p>
                <a href={hrefOf({ page: "change_requests" })}>#{cr.id}</a> in{" "}
                <strong>{cr.environment}</strong> by {cr.proposed_by}{" "}
                {cr.stale ? <Badge tone="warning">stale</Badge> : null}
              </p>
              <ChangeDiff diff={cr.diff} />
            </div>
          ))
        : null}
    </section>
  );
}
