import type { ReactNode } from "react";

export type BadgeTone = "positive" | "negative" | "warning" | "neutral" | "info";

export function Badge({
  tone,
  children,
  title,
}: {
  readonly tone: BadgeTone;
  readonly children: ReactNode;
  readonly title?: string;
}): ReactNode {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const statusTone: Record<string, BadgeTone> = {
  draft: "neutral",
  submitted: "info",
  approved: "info",
  running: "positive",
  paused: "warning",
  completed: "neutral",
  archived: "neutral",
};

export function StatusBadge({ status }: { readonly status: string }): ReactNode {
  return <Badge tone={statusTone[status] ?? "neutral"}>{status}</Badge>;
}
