import { useEffect, useState } from "react";

export type Route =
  | { readonly page: "experiments" }
  | { readonly page: "experiment"; readonly key: string }
  | { readonly page: "edit"; readonly key: string }
  | { readonly page: "new" }
  | { readonly page: "flags" }
  | { readonly page: "flag"; readonly key: string }
  | { readonly page: "change_requests" }
  | { readonly page: "keys" }
  | { readonly page: "not_found"; readonly path: string };

/**
 * Hash routes (`#/experiments/checkout`), so the server serves one static page and needs no fallback.
 * @example parseRoute("#/experiments/exp_1/edit") // { page: "edit", key: "exp_1" }
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/\/+$/, "") || "/";
  const parts = path
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "experiments"))
    return { page: "experiments" };
  if (parts[0] === "flags" && parts.length === 1) return { page: "flags" };
  if (parts[0] === "flags" && parts.length === 2 && parts[1] !== undefined)
    return { page: "flag", key: parts[1] };
  if (parts[0] === "change-requests" && parts.length === 1) return { page: "change_requests" };
  if (parts[0] === "keys" && parts.length === 1) return { page: "keys" };
  if (parts[0] === "new" && parts.length === 1) return { page: "new" };
  if (parts[0] === "experiments" && parts[1] !== undefined) {
    if (parts.length === 2) return { page: "experiment", key: parts[1] };
    if (parts.length === 3 && parts[2] === "edit") return { page: "edit", key: parts[1] };
  }
  return { page: "not_found", path };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case "experiments":
      return "#/";
    case "experiment":
      return `#/experiments/${encodeURIComponent(route.key)}`;
    case "edit":
      return `#/experiments/${encodeURIComponent(route.key)}/edit`;
    case "new":
      return "#/new";
    case "flags":
      return "#/flags";
    case "flag":
      return `#/flags/${encodeURIComponent(route.key)}`;
    case "change_requests":
      return "#/change-requests";
    case "keys":
      return "#/keys";
    default:
      return "#/";
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route).slice(1);
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
