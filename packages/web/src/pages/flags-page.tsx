import { type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { Flag } from "../api/api-types.js";
import { useChosenEnvironment } from "../api/use-chosen-environment.js";
import { useResource } from "../api/use-resource.js";
import { Badge } from "../components/badge.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { EnvironmentSwitcher } from "../components/environment-switcher.js";
import { StaleFlagBadge } from "../components/stale-flag-badge.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { describeCondition } from "../format/condition-text.js";
import { formatDateTime } from "../format/number-format.js";
import { hrefOf } from "../router.js";

const json = (v: unknown): string => (v === undefined ? "—" : JSON.stringify(v));

/** A flag's rules in one line: segments, condition, prerequisites and overrides. */
export function rulesText(f: Flag): string {
  const parts: string[] = [];
  if (f.targeting.include_segments.length > 0) parts.push(`in ${f.targeting.include_segments.join(", ")}`);
  if (f.targeting.exclude_segments.length > 0)
    parts.push(`not in ${f.targeting.exclude_segments.join(", ")}`);
  if (f.targeting.condition !== null && Object.keys(f.targeting.condition).length > 0)
    parts.push(`where ${describeCondition(f.targeting.condition)}`);
  if (f.dependencies.length > 0)
    parts.push(
      `requires ${f.dependencies.map((d) => `${d.flag_key} = ${JSON.stringify(d.value)}`).join(", ")}`,
    );
  if (f.overrides.length > 0)
    parts.push(`${f.overrides.length} override${f.overrides.length === 1 ? "" : "s"}`);
  return parts.length === 0 ? "everyone" : parts.join("; ");
}

/** Asks before killing: a modal dialog that names the flag and environment (Escape or Cancel backs out). */
export function KillDialog({
  flag,
  onCancel,
  onConfirm,
  busy,
}: {
  readonly flag: Flag;
  readonly onCancel: () => void;
  readonly onConfirm: () => void;
  readonly busy: boolean;
}): ReactNode {
  return (
    <ConfirmDialog
      title={`Turn off ${flag.key} in ${flag.environment}?`}
      confirmLabel={`Kill ${flag.key}`}
      onCancel={onCancel}
      onConfirm={onConfirm}
      busy={busy}
    >
      <p>
        Every user in {flag.environment} gets the default value <code>{json(flag.default_value)}</code> within
        one SDK poll. The kill switch needs no review; the change is recorded in the audit log.
      </p>
    </ConfirmDialog>
  );
}

/** Feature flags in the chosen environment with their rules and rollout, the kill switch, and the audit history. */
export function FlagsPage(): ReactNode {
  const api = useApi();
  const [environment, setEnvironment] = useChosenEnvironment();
  const [environments] = useResource(() => api.listEnvironments(), []);
  const [flags, reloadFlags] = useResource(() => api.listFlags(environment), [environment]);
  const [open] = useResource(() => api.listChangeRequests({ status: "open" }), []);
  const [audit, reloadAudit] = useResource(() => api.listAudit({ entityType: "flag", limit: 50 }), []);
  const [confirming, setConfirming] = useState<Flag | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const kill = async (flag: Flag): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      await api.killFlag(flag.key, flag.environment);
      setNotice(`${flag.key} is off in ${flag.environment}.`);
      setConfirming(null);
      reloadFlags();
      reloadAudit();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setConfirming(null);
    } finally {
      setBusy(false);
    }
  };
  const restore = async (flag: Flag): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      await api.restoreFlag(flag.key, flag.environment);
      setNotice(`${flag.key} is on again in ${flag.environment}.`);
      reloadFlags();
      reloadAudit();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="flags-title">
      <div className="page-head">
        <h1 id="flags-title">Feature flags</h1>
        <a href={hrefOf({ page: "change_requests" })}>
          Change requests
          {open.state === "ready" && open.data.length > 0 ? ` (${open.data.length} open)` : ""}
        </a>
      </div>
      <EnvironmentSwitcher
        environments={environments}
        value={environment}
        onChange={(next) => {
          setNotice(null);
          setEnvironment(next);
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
      {flags.state === "loading" ? <Loading what="flags" /> : null}
      {flags.state === "error" ? <ErrorView what="flags" error={flags.error} onRetry={reloadFlags} /> : null}
      {flags.state === "ready" && flags.data.length === 0 ? (
        <Empty>No flags defined for your team in {environment}.</Empty>
      ) : null}
      {flags.state === "ready" && flags.data.length > 0 ? (
        <table className="table flags-table" data-environment={environment}>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Rollout
              </th>
              <th scope="col">Rules</th>
              <th scope="col">Values</th>
              <th scope="col">Kill switch</th>
            </tr>
          </thead>
          <tbody>
            {flags.data.map((f) => (
              <tr key={f.key} data-flag={f.key}>
                <td data-label="Flag">
                  <a href={hrefOf({ page: "flag", key: f.key })}>
                    <strong className="mono">{f.key}</strong>
                  </a>
                  {f.name !== undefined && f.name !== f.key ? <div>{f.name}</div> : null}
                  {f.experiment_key === null ? null : (
                    <div className="muted small">experiment {f.experiment_key}</div>
                  )}
                </td>
                <td data-label="State">
                  {f.enabled ? <Badge tone="positive">on</Badge> : <Badge tone="neutral">off</Badge>}{" "}
                  <StaleFlagBadge flag={f} />
                </td>
                <td data-label="Rollout" className="num">
                  <div className="rollout" aria-hidden="true">
                    <div
                      className="rollout-bar"
                      style={{ width: `${f.enabled ? f.rollout_percentage : 0}%` }}
                    />
                  </div>
                  {f.rollout_percentage}%
                </td>
                <td data-label="Rules">{rulesText(f)}</td>
                <td data-label="Values" className="small">
                  default <code>{json(f.default_value)}</code>
                  {f.variation_value === undefined || f.variation_value === null ? null : (
                    <>
                      {" "}
                      · on <code>{json(f.variation_value)}</code>
                    </>
                  )}
                </td>
                <td data-label="Kill switch">
                  {f.enabled ? (
                    <button
                      type="button"
                      className="button danger"
                      disabled={busy}
                      onClick={() => setConfirming(f)}
                      aria-label={`Kill ${f.key}`}
                    >
                      Kill
                    </button>
                  ) : f.killed ? (
                    <button
                      type="button"
                      className="button secondary"
                      disabled={busy}
                      onClick={() => void restore(f)}
                      aria-label={`Restore ${f.key}`}
                    >
                      Restore
                    </button>
                  ) : (
                    // Saved disabled, never killed: there is nothing to restore (turning it on is an edit).
                    <span className="muted small">off as saved</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirming === null ? null : (
        <KillDialog
          flag={confirming}
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => void kill(confirming)}
        />
      )}
      <h2>Audit history</h2>
      {audit.state === "loading" ? <Loading what="the audit log" /> : null}
      {audit.state === "error" ? (
        <ErrorView what="the audit log" error={audit.error} onRetry={reloadAudit} />
      ) : null}
      {audit.state === "ready" && audit.data.length === 0 ? <Empty>No flag changes recorded.</Empty> : null}
      {audit.state === "ready" && audit.data.length > 0 ? (
        <table className="table audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Flag</th>
              <th scope="col">Environment</th>
              <th scope="col">Action</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {audit.data.map((a) => (
              <tr key={a.auditId}>
                <td data-label="When">{formatDateTime(a.at)}</td>
                <td data-label="Who">{a.actor}</td>
                <td data-label="Flag" className="mono">
                  {a.entityKey}
                </td>
                <td data-label="Environment">{environmentOf(a.after) ?? environmentOf(a.before) ?? "—"}</td>
                <td data-label="Action">{a.action}</td>
                <td data-label="Change" className="small">
                  {describeChange(a.before, a.after)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** The environment an audit snapshot of a flag belongs to (flags are audited per environment). */
function environmentOf(snapshot: unknown): string | undefined {
  if (snapshot === null || typeof snapshot !== "object") return undefined;
  const value = (snapshot as { environment?: unknown }).environment;
  return typeof value === "string" ? value : undefined;
}

/** The fields that differ between two audit snapshots, as "enabled: true → false". */
function describeChange(before: unknown, after: unknown): string {
  if (before === null || typeof before !== "object") return "created";
  if (after === null || typeof after !== "object") return "deleted";
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const changed = Object.keys(a)
    .filter((k) => k !== "updated_at" && k !== "environment" && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(b[k])} → ${JSON.stringify(a[k])}`);
  return changed.length === 0 ? "no field changed" : changed.join("; ");
}
