import { useCallback, useState } from "react";

export const ENVIRONMENT_STORAGE = "assay.environment";

/**
 * The environment the flag pages show, remembered across pages and reloads (default production).
 * @example const [environment, choose] = useChosenEnvironment();
 */
export function useChosenEnvironment(): [string, (environment: string) => void] {
  const [environment, setEnvironment] = useState(
    () => localStorage.getItem(ENVIRONMENT_STORAGE) ?? "production",
  );
  const choose = useCallback((next: string) => {
    localStorage.setItem(ENVIRONMENT_STORAGE, next);
    setEnvironment(next);
  }, []);
  return [environment, choose];
}
