import type { ReactNode } from "react";
import type { Environment } from "../api/api-types.js";
import type { Resource } from "../api/use-resource.js";
import { Badge } from "./badge.js";

/** The environment picker of the flag pages; says when the chosen one takes changes through review. */
export function EnvironmentSwitcher({
  environments,
  value,
  onChange,
}: {
  readonly environments: Resource<Environment[]>;
  readonly value: string;
  readonly onChange: (environment: string) => void;
}): ReactNode {
  const list = environments.state === "ready" ? environments.data : [];
  const chosen = list.find((e) => e.key === value);
  return (
    <div className="environment-switcher">
      <label className="inline-label">
        Environment{" "}
        <select
          value={value}
          onChange={(e) => onChange(e.target.value)}
          disabled={environments.state !== "ready"}
          aria-label="Environment"
        >
          {list.length === 0 ? <option value={value}>{value}</option> : null}
          {list.map((e) => (
            <option key={e.key} value={e.key}>
              {e.name === e.key ? e.key : `${e.name} (${e.key})`}
            </option>
          ))}
        </select>
      </label>{" "}
      {chosen?.requires_review === true ? (
        <Badge tone="info" title="Flag changes here are proposed and approved by another editor">
          requires review
        </Badge>
      ) : null}
    </div>
  );
}
