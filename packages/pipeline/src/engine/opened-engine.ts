import type { Dialect } from "../dialect/dialect.js";
import type { Engine } from "./engine.js";

export interface OpenedEngine {
  readonly engine: Engine;
  readonly dialect: Dialect;
}

/** A connection URL is missing or malformed; names the option. */
export class EngineUrlError extends Error {
  readonly field = "url";
  constructor(message: string) {
    super(message);
    this.name = "EngineUrlError";
  }
}
