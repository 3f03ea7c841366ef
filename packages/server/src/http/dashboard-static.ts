import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * Where the built dashboard is: `ASSAY_WEB_DIST`, else the `@assay/web` workspace's `dist/` next to
 * this package (`packages/web/dist`).
 * @example dashboardDistDir(); // "/repo/packages/web/dist"
 */
export function dashboardDistDir(): string {
  const fromEnv = process.env.ASSAY_WEB_DIST;
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return resolve(import.meta.dirname, "..", "..", "..", "web", "dist");
}

/**
 * Serves the dashboard bundle at `/` (hash routes, so no fallback route is needed). Without a build
 * `/` answers 503 with the command that makes one. Hashed assets are cached for a year; `index.html`
 * is revalidated on every load so a new build shows at once.
 * @example await registerDashboard(app, dashboardDistDir());
 */
export async function registerDashboard(
  app: FastifyInstance,
  distDir: string,
): Promise<"served" | "missing"> {
  if (!existsSync(join(distDir, "index.html"))) {
    app.get("/", async (_request, reply) => {
      reply.status(503).type("text/plain; charset=utf-8");
      return `The Assay dashboard is not built (no ${join(distDir, "index.html")}).\nRun \`npm run build -w packages/web\` and reload; the API is available under /api.\n`;
    });
    return "missing";
  }
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: "/",
    index: "index.html",
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader(
        "cache-control",
        path.endsWith(".html") ? "no-cache" : "public, max-age=31536000, immutable",
      );
    },
  });
  return "served";
}
