import type { ReactNode } from "react";
import type { ChangeRequest } from "../api/api-types.js";

const text = (v: unknown): string => (v === undefined ? "—" : JSON.stringify(v));

/** A change request's diff: one row per changed field, before → after. */
export function ChangeDiff({ diff }: { readonly diff: ChangeRequest["diff"] }): ReactNode {
  if (diff.length === 0) return <p className="muted small">No field changes.</p>;
  return (
    <table className="table diff-table">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {diff.map((d) => (
          <tr key={d.field} data-field={d.field}>
            <td data-label="Field" className="mono">
              {d.field}
            </td>
            <td data-label="Before" className="diff-before">
              <code>{text(d.before)}</code>
            </td>
            <td data-label="After" className="diff-after">
              <code>{text(d.after)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
