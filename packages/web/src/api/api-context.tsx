import { createContext, useContext } from "react";
import type { ApiClient } from "./api-client.js";

export const ApiContext = createContext<ApiClient | null>(null);

/** The API client of the running app. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (api === null) throw new Error("useApi outside <ApiContext.Provider>");
  return api;
}
