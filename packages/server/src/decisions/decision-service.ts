import { type DecisionConfig, decisionConfigSchema } from "@assay/decisions";
import type { Database } from "../db/database.js";
import { createNotifier, type Notifier, type NotifierOptions } from "../notifications/notifier.js";
import { withTeam } from "../registry/team-scope.js";
import {
  createExperimentScheduler,
  type ExperimentScheduler,
  type ScheduledExperiment,
  type SchedulerTimers,
  systemTimers,
} from "../scheduler/experiment-scheduler.js";
import { createDecisionEngine, type DecisionEngine } from "./decision-engine.js";
import { getDecisionConfig } from "./decision-store.js";
import { createLakeResultsSource, type ResultsSource } from "./lake-results-source.js";

export interface DecisionServiceOptions {
  readonly db: Database;
  /** Where results come from; default the pipeline over `lakeDir`. */
  readonly source?: ResultsSource;
  readonly lakeDir?: string;
  readonly configPath?: string;
  readonly timers?: SchedulerTimers;
  readonly notifier?: Notifier;
  readonly notifierOptions?: Omit<NotifierOptions, "db">;
  readonly tickMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Runs before each pipeline refresh (the server regenerates `<lake>/assay.yaml` from the registry). */
  readonly beforeRefresh?: () => Promise<void>;
}

/** The engine and its scheduler, as the server runs them. */
export interface DecisionService {
  readonly engine: DecisionEngine;
  readonly scheduler: ExperimentScheduler;
  /** Runs the experiment's decision now (after any run in flight); resolves when recorded, rejects when it failed. */
  runNow(team: string, experimentKey: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** `ASSAY_SMTP_HOST`, `ASSAY_SMTP_PORT` (default 25) and `ASSAY_SMTP_FROM` configure e-mail routes. */
export function smtpFromEnv(): Omit<NotifierOptions, "db"> {
  const host = process.env.ASSAY_SMTP_HOST;
  if (host === undefined || host === "") return {};
  return {
    smtp: {
      host,
      port: Number(process.env.ASSAY_SMTP_PORT ?? 25),
      from: process.env.ASSAY_SMTP_FROM ?? "assay@localhost",
    },
  };
}

async function targetOf(db: Database, team: string, key: string): Promise<ScheduledExperiment> {
  const config: DecisionConfig = await withTeam(db, team, (tx) => getDecisionConfig(tx, key));
  return { team, experimentKey: key, schedules: config.schedules, retry: config.retry };
}

/**
 * Wires the decision engine (pipeline → rules → fail-closed → notifications) to a scheduler over every
 * running experiment of every team.
 * @example const decisions = createDecisionService({ db, lakeDir }); decisions.start();
 */
export function createDecisionService(options: DecisionServiceOptions): DecisionService {
  const { db } = options;
  const timers = options.timers ?? systemTimers;
  const baseSource =
    options.source ??
    createLakeResultsSource({
      lakeDir: options.lakeDir ?? ".assay/lake",
      ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    });
  const { beforeRefresh } = options;
  const source: ResultsSource =
    beforeRefresh === undefined
      ? baseSource
      : {
          refresh: async (now) => {
            await beforeRefresh();
            return baseSource.refresh(now);
          },
          read: (key, mode, at) => baseSource.read(key, mode, at),
        };
  const notifier = options.notifier ?? createNotifier({ db, ...(options.notifierOptions ?? smtpFromEnv()) });
  const engine = createDecisionEngine({ db, source, notify: notifier, now: () => timers.now() });
  const scheduler = createExperimentScheduler({
    timers,
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    async listTargets() {
      // The server's own connection (not the team role) sees every team's running experiments.
      const { rows } = await db.query<{ experiment_key: string; owner_team: string; config: unknown }>(
        `select e.experiment_key, e.owner_team, c.config from experiment_registry e
         left join decision_config c on c.experiment_key = e.experiment_key where e.status = 'running'`,
      );
      return rows.map((r) => {
        const config = decisionConfigSchema.parse(r.config ?? {});
        return {
          team: r.owner_team,
          experimentKey: r.experiment_key,
          schedules: config.schedules,
          retry: config.retry,
        };
      });
    },
    async run(target, schedule, attempt, dueAt) {
      await engine.run(target, schedule, attempt, dueAt);
    },
    onFailure: (target, schedule, error, attempts) => engine.reportFailure(target, schedule, error, attempts),
  });
  return {
    engine,
    scheduler,
    async runNow(team, key) {
      await scheduler.runNow(await targetOf(db, team, key));
    },
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
