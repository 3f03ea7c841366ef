/** Receives progress of a pipeline run (model, rows, elapsed). */
export interface ProgressReporter {
  modelStarted(model: string): void;
  modelFinished(report: {
    readonly model: string;
    readonly rows: number | null;
    readonly elapsedMs: number;
  }): void;
  note(message: string): void;
}

/** Reports nothing; the default for library calls and CI. */
export const silentProgress: ProgressReporter = {
  modelStarted() {},
  modelFinished() {},
  note() {},
};

/** True when progress lines would help a person: a TTY and not CI. */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !(env.CI && env.CI !== "false" && env.CI !== "0");
}

/**
 * Writes one line per finished model to a stream, e.g. `  fact_assignment  10,000 rows  0.4s`.
 * @example const progress = isInteractive(process.stderr) ? createStreamProgress(process.stderr) : silentProgress;
 */
export function createStreamProgress(stream: { write(text: string): unknown }): ProgressReporter {
  const started = Date.now();
  return {
    modelStarted(model) {
      stream.write(`  … ${model}\r`);
    },
    modelFinished({ model, rows, elapsedMs }) {
      stream.write(
        `  ✓ ${model.padEnd(40)} ${(rows === null ? "view" : `${rows.toLocaleString("en-US")} rows`).padStart(19)} ${(elapsedMs / 1000).toFixed(1).padStart(7)}s  (total ${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
      );
    },
    note(message) {
      stream.write(`  ${message}\n`);
    },
  };
}
