export { type DecisionConfig, decisionConfigSchema } from "@assay/decisions";
export { type AppOptions, createApp, type SummaryProvider } from "./app.js";
export {
  type Collector,
  createCollector,
  type IngestResult,
  type RejectedEvent,
} from "./collector/collector.js";
export {
  createEventIdWindow,
  dedupeWindowFromEnv,
  type EventIdWindow,
} from "./collector/event-id-window.js";
export { type EventLog, openEventLog, type SealedSegment } from "./collector/event-log.js";
export { type Lake, listFiles, openLake } from "./collector/lake.js";
export { defaultTrackingPlan, type TrackingPlan } from "./collector/tracking-plan.js";
export type { Database, Queryable } from "./db/database.js";
export { migrate } from "./db/migrate.js";
export { createPgDatabase } from "./db/pg-database.js";
export { createPgliteDatabase } from "./db/pglite-database.js";
export { createDecisionEngine, type DecisionEngine, type DecisionView } from "./decisions/decision-engine.js";
export {
  createDecisionService,
  type DecisionService,
  type DecisionServiceOptions,
} from "./decisions/decision-service.js";
export {
  createLakeResultsSource,
  type ExperimentData,
  type ResultsSource,
} from "./decisions/lake-results-source.js";
export { type DemoOptions, seedDemo } from "./demo/demo-seed.js";
export {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
} from "./http/http-error.js";
export { createNotifier, type Notifier } from "./notifications/notifier.js";
export { sendMail } from "./notifications/smtp-client.js";
export { signWebhook } from "./notifications/webhook-sender.js";
export { createApiKey, type Principal, type Role } from "./registry/auth.js";
export {
  applyDefinitions,
  type Definitions,
  DefinitionsError,
  readDefinitionsDir,
} from "./registry/definitions-loader.js";
export { withTeam } from "./registry/team-scope.js";
export { createExperimentScheduler, type SchedulerTimers } from "./scheduler/experiment-scheduler.js";
export { createServerContext, defaultPaths, type ServerContext } from "./server-context.js";
export { type RunningServer, type StartServerOptions, startServer } from "./start-server.js";
