import type { ReactNode } from "react";
import { formatDateTime } from "../format/number-format.js";
import { Badge } from "./badge.js";

/** The `stale` field GET /api/flags adds to each flag (null when the flag is in use). */
export interface FlagStaleness {
  readonly since: string;
  readonly reason: "not_evaluated" | "not_changed";
}

/**
 * What a stale mark says, for its tooltip.
 *
 * @example staleText({ since: "2026-01-02T00:00:00Z", reason: "not_changed" }); // "not changed since …"
 */
export function staleText(stale: FlagStaleness): string {
  const when = formatDateTime(stale.since);
  return stale.reason === "not_evaluated"
    ? `not evaluated since ${when} (no assignment or exposure of its experiment): a candidate for removal`
    : `not changed since ${when}: a candidate for removal`;
}

/** A "stale" badge for a flag whose list entry carries `stale`, nothing otherwise. */
export function StaleFlagBadge({ flag }: { readonly flag: object }): ReactNode {
  const stale = (flag as { stale?: FlagStaleness | null }).stale;
  if (stale === undefined || stale === null) return null;
  return (
    <Badge tone="warning" title={staleText(stale)}>
      stale
    </Badge>
  );
}
