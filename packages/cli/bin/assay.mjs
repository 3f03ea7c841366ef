#!/usr/bin/env node
// Runs the TypeScript sources directly, so the command never lags behind the code: tsx compiles them, and the
// "source" export condition makes workspace packages (@assay/sdk) resolve to their sources rather than their builds.
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

registerHooks(
  `data:text/javascript,${encodeURIComponent(
    'export async function resolve(s, c, next) { return next(s, { ...c, conditions: c.conditions.includes("source") ? c.conditions : ["source", ...c.conditions] }); }',
  )}`,
);
register();
await import("../src/main.ts");
