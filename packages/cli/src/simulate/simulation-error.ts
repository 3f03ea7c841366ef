/** A simulation that cannot go on (the experiment is in the wrong state, the pipeline did not run, ...). */
export class SimulationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SimulationError";
  }
}
