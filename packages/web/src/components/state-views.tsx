import type { ReactNode } from "react";
import { isApiError } from "../api/api-error.js";

export function Loading({ what }: { readonly what: string }): ReactNode {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { readonly children: ReactNode }): ReactNode {
  return <div className="state state-empty">{children}</div>;
}

function explain(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 401) return `${error.message}. Enter an API key at the top of the page.`;
    if (error.status === 403) return `${error.message}.`;
    if (error.status === 404) return `${error.message}.`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorView({
  what,
  error,
  onRetry,
}: {
  readonly what: string;
  readonly error: unknown;
  readonly onRetry?: () => void;
}): ReactNode {
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load {what}.</strong> {explain(error)}
      {onRetry === undefined ? null : (
        <button type="button" className="button-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
