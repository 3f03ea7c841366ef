import { type DependencyList, useCallback, useEffect, useState } from "react";

export type Resource<T> =
  | { readonly state: "loading" }
  | { readonly state: "error"; readonly error: unknown }
  | { readonly state: "ready"; readonly data: T };

/**
 * Loads data for a view and re-loads when `deps` change; stale answers of earlier loads are dropped.
 * @example const [experiments, reload] = useResource(() => api.listExperiments(), []);
 */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): [Resource<T>, () => void] {
  const [resource, setResource] = useState<Resource<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names the dependencies of `load`.
  useEffect(() => {
    let current = true;
    setResource((r) => (r.state === "ready" ? r : { state: "loading" }));
    load().then(
      (data) => current && setResource({ state: "ready", data }),
      (error: unknown) => current && setResource({ state: "error", error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [resource, reload];
}
