/** A connection URL is missing or malformed; names the option. */
export class EngineUrlError extends Error {
  readonly field = "url";
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = "EngineUrlError";
  }
}
