import type { FastifyInstance } from "fastify";

/** The dashboard's icon: a bar chart with an interval, in the dashboard's accent colour (SVG, 32 × 32). */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1f5fbf"/>
<rect x="7" y="16" width="5" height="9" rx="1" fill="#fff"/>
<rect x="14" y="11" width="5" height="14" rx="1" fill="#fff"/>
<rect x="21" y="6" width="5" height="19" rx="1" fill="#fff" fill-opacity=".75"/>
</svg>
`;

/**
 * Serves the icon at `/favicon.ico` (where browsers look first) and `/favicon.svg`, whether or not the dashboard
 * is built, so no page load of the server logs a 404.
 * @example registerFavicon(app); // GET /favicon.ico → 200 image/svg+xml
 */
export function registerFavicon(app: FastifyInstance): void {
  for (const url of ["/favicon.ico", "/favicon.svg"]) {
    app.get(url, async (_request, reply) => {
      reply.type("image/svg+xml").header("cache-control", "public, max-age=86400");
      return faviconSvg;
    });
  }
}
