import type { FastifyInstance } from "fastify";

/** A route as registered: method and Fastify's URL pattern (`/api/flags/:key`). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

const catalogs = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Records every route registered on `app` from now on (call before the routes are added), so tests can
 * compare the routes with the OpenAPI document.
 * @example trackRoutes(app); app.get("/health", h); registeredRoutes(app); // [{ method: "GET", url: "/health" }]
 */
export function trackRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  catalogs.set(app, routes);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method).toUpperCase(), url: route.url });
  });
}

/** The routes recorded by `trackRoutes` (HEAD routes Fastify adds for GET included). */
export function registeredRoutes(app: FastifyInstance): ReadonlyArray<RegisteredRoute> {
  return catalogs.get(app) ?? [];
}
