import { type FormEvent, type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { ApiKey, ApiKeyRequest, SdkKeyRequest } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { Badge } from "../components/badge.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { formatDateTime } from "../format/number-format.js";

type NewKind = "team" | SdkKeyRequest["kind"];
const teamRoles: ReadonlyArray<ApiKeyRequest["role"]> = ["viewer", "editor", "reviewer", "admin"];

function kindText(k: ApiKey): string {
  return k.kind === "team" ? `team · ${k.role}` : `SDK ${k.kind} · ${k.environment ?? ""}`;
}

/**
 * The team's keys (admin): who holds access, since when; create a team or SDK key (the secret shown once) and revoke
 * one after a confirmation. The server decides who may (403s shown as they come).
 */
export function KeysPage(): ReactNode {
  const api = useApi();
  const [keys, reload] = useResource(() => api.listKeys(), []);
  const [environments] = useResource(() => api.listEnvironments(), []);
  const [kind, setKind] = useState<NewKind>("team");
  const [name, setName] = useState("");
  const [role, setRole] = useState<ApiKeyRequest["role"]>("viewer");
  const [environment, setEnvironment] = useState("production");
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [confirming, setConfirming] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      await action();
      reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  const create = (e: FormEvent): void => {
    e.preventDefault();
    void run(async () => {
      const made =
        kind === "team"
          ? await api.createKey({ name: name.trim(), role })
          : await api.createSdkKey(environment, { kind, name: name.trim() });
      setCreated({ name: made.name, secret: made.secret });
      setName("");
    });
  };
  const revoke = (k: ApiKey): void => {
    setConfirming(null);
    void run(async () => {
      await api.revokeKey(k.key_id);
      setNotice(`Key ${k.name} revoked: it is refused from now on.`);
    });
  };

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">API keys</h1>
      </div>
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
      {created === null ? null : (
        <div className="card new-key" role="status">
          <p>
            Key <strong>{created.name}</strong> created. Copy its secret now: it is not shown again.
          </p>
          <code className="mono secret" data-secret>
            {created.secret}
          </code>{" "}
          <button type="button" className="button secondary" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <form className="card key-create" onSubmit={create} aria-label="Create a key">
        <h2>New key</h2>
        <label className="inline-label">
          Kind{" "}
          <select value={kind} onChange={(e) => setKind(e.target.value as NewKind)} aria-label="Kind">
            <option value="team">Team API key</option>
            <option value="server">SDK server key</option>
            <option value="client">SDK client key</option>
          </select>
        </label>{" "}
        {kind === "team" ? (
          <label className="inline-label">
            Role{" "}
            <select
              value={role}
              onChange={(e) => setRole(e.target.value as ApiKeyRequest["role"])}
              aria-label="Role"
            >
              {teamRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label className="inline-label">
            Environment{" "}
            <select
              value={environment}
              onChange={(e) => setEnvironment(e.target.value)}
              aria-label="Environment"
            >
              {(environments.state === "ready" ? environments.data : []).map((env) => (
                <option key={env.key} value={env.key}>
                  {env.key}
                </option>
              ))}
            </select>
          </label>
        )}{" "}
        <label className="inline-label">
          Name <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Key name" required />
        </label>{" "}
        <button type="submit" className="button" disabled={busy || name.trim() === ""}>
          Create key
        </button>
      </form>
      {keys.state === "loading" ? <Loading what="keys" /> : null}
      {keys.state === "error" ? <ErrorView what="keys" error={keys.error} onRetry={reload} /> : null}
      {keys.state === "ready" && keys.data.length === 0 ? <Empty>No keys.</Empty> : null}
      {keys.state === "ready" && keys.data.length > 0 ? (
        <table className="table keys-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr
                key={k.key_id}
                data-key-id={k.key_id}
                data-revoked={k.revoked_at === null ? "false" : "true"}
              >
                <td data-label="Name">
                  <strong>{k.name}</strong> <span className="muted small mono">{k.key_id}</span>
                </td>
                <td data-label="Kind">{kindText(k)}</td>
                <td data-label="Created" className="small">
                  {formatDateTime(k.created_at)}
                  {k.created_by === null ? null : <> by {k.created_by}</>}
                </td>
                <td data-label="State">
                  {k.revoked_at === null ? (
                    <Badge tone="positive">active</Badge>
                  ) : (
                    <>
                      <Badge tone="neutral">revoked</Badge>{" "}
                      <span className="muted small">
                        {formatDateTime(k.revoked_at)}
                        {k.revoked_by === null ? null : <> by {k.revoked_by}</>}
                      </span>
                    </>
                  )}
                </td>
                <td data-label="Actions">
                  {k.revoked_at !== null || k.role === "owner" ? null : (
                    <button
                      type="button"
                      className="button danger"
                      disabled={busy}
                      onClick={() => setConfirming(k)}
                      aria-label={`Revoke ${k.name}`}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirming === null ? null : (
        <ConfirmDialog
          title={`Revoke ${confirming.name}?`}
          confirmLabel="Revoke key"
          onCancel={() => setConfirming(null)}
          onConfirm={() => revoke(confirming)}
          busy={busy}
        >
          <p>
            Every request with this key is refused from now on
            {confirming.kind === "team" ? "" : ", and the SDKs streaming with it are disconnected"}. This
            cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
