import type { ReactNode } from "react";

/**
 * A labelled set of radio buttons drawn as a segmented switch (keyboard: arrows move, like any radio group).
 * @example <ToggleGroup label="Analysis" name="mode" value={mode} options={[["itt", "ITT"], ["exposed", "Exposed"]]} onChange={setMode} />
 */
export function ToggleGroup<T extends string>({
  label,
  name,
  value,
  options,
  onChange,
}: {
  readonly label: string;
  readonly name: string;
  readonly value: T;
  readonly options: ReadonlyArray<readonly [T, string]>;
  readonly onChange: (value: T) => void;
}): ReactNode {
  return (
    <fieldset className="toggle-group">
      <legend>{label}</legend>
      {options.map(([v, text]) => (
        <label key={v} className={v === value ? "toggle checked" : "toggle"}>
          <input type="radio" name={name} value={v} checked={v === value} onChange={() => onChange(v)} />
          {text}
        </label>
      ))}
    </fieldset>
  );
}
