import { type ReactNode, useState } from "react";
import { useApi } from "../api/api-context.js";
import type { ChangeRequest, ChangeRequestStatus } from "../api/api-types.js";
import { useResource } from "../api/use-resource.js";
import { Badge, type BadgeTone } from "../components/badge.js";
import { ChangeDiff } from "../components/change-diff.js";
import { Empty, ErrorView, Loading } from "../components/state-views.js";
import { ToggleGroup } from "../components/toggle-group.js";
import { formatDateTime } from "../format/number-format.js";
import { hrefOf } from "../router.js";

const statusTone: Record<ChangeRequestStatus, BadgeTone> = {
  open: "info",
  applied: "positive",
  rejected: "neutral",
};

/** Flag change requests: the diff of each, approve (another editor; applies it at once) or reject. */
export function ChangeRequestsPage(): ReactNode {
  const api = useApi();
  const [status, setStatus] = useState<ChangeRequestStatus>("open");
  const [requests, reload] = useResource(() => api.listChangeRequests({ status }), [status]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const decide = async (cr: ChangeRequest, action: "approve" | "reject"): Promise<void> => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      if (action === "approve") {
        await api.approveChangeRequest(cr.id);
        setNotice(`Change request #${cr.id} approved: ${cr.flag_key} is changed in ${cr.environment}.`);
      } else {
        await api.rejectChangeRequest(cr.id);
        setNotice(`Change request #${cr.id} rejected.`);
      }
      reload();
    } catch (error) {
      setProblem(`#${cr.id}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="cr-title">
      <div className="page-head">
        <h1 id="cr-title">Change requests</h1>
        <a href={hrefOf({ page: "flags" })}>Flags</a>
      </div>
      <ToggleGroup<ChangeRequestStatus>
        label="Status"
        name="change-request-status"
        value={status}
        options={[
          ["open", "Open"],
          ["applied", "Applied"],
          ["rejected", "Rejected"],
        ]}
        onChange={setStatus}
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
      {requests.state === "loading" ? <Loading what="change requests" /> : null}
      {requests.state === "error" ? (
        <ErrorView what="change requests" error={requests.error} onRetry={reload} />
      ) : null}
      {requests.state === "ready" && requests.data.length === 0 ? (
        <Empty>No {status} change requests.</Empty>
      ) : null}
      {requests.state === "ready"
        ? requests.data.map((cr) => (
            <article key={cr.id} className="card change-request" data-change-request={cr.id}>
              <h2>
                #{cr.id}{" "}
                <a href={hrefOf({ page: "flag", key: cr.flag_key })} className="mono">
                  {cr.flag_key}
                </a>{" "}
                in {cr.environment} <Badge tone={statusTone[cr.status]}>{cr.status}</Badge>{" "}
                {cr.stale ? (
                  <Badge
                    tone="warning"
                    title="The flag changed since this was proposed: it cannot be applied"
                  >
                    stale
                  </Badge>
                ) : null}
              </h2>
              <p className="muted small">
                Proposed by {cr.proposed_by} · {formatDateTime(cr.proposed_at)}
                {cr.comment === "" ? null : <> · “{cr.comment}”</>}
                {cr.decided_by === null ? null : (
                  <>
                    {" "}
                    · {cr.status} by {cr.decided_by}
                    {cr.decided_at === null ? null : ` ${formatDateTime(cr.decided_at)}`}
                  </>
                )}
              </p>
              <ChangeDiff diff={cr.diff} />
              {cr.status === "open" ? (
                <div className="actions">
                  <button
                    type="button"
                    className="button secondary"
                    disabled={busy}
                    onClick={() => void decide(cr, "reject")}
                    aria-label={`Reject change request ${cr.id}`}
                  >
                    Reject
                  </button>
                  <button
                    type="button"
                    className="button"
                    disabled={busy || cr.stale}
                    onClick={() => void decide(cr, "approve")}
                    aria-label={`Approve change request ${cr.id}`}
                  >
                    Approve and apply
                  </button>
                </div>
              ) : null}
            </article>
          ))
        : null}
    </section>
  );
}
