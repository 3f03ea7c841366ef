import { DefinitionsError, seedDemo, startServer } from "@assay/server";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";

/** `assay serve`: the HTTP server with the embedded registry, collector and lake. */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("Start the Assay server (registry, SDK config, assignment, event collector, results)")
    .option("-p, --port <port>", "port to listen on (env PORT, default 3000)")
    .option("--host <host>", "interface to bind (env HOST, default 127.0.0.1)")
    .option(
      "--home <dir>",
      "folder of the embedded registry, event log and lake (env ASSAY_HOME, default ./.assay)",
    )
    .option(
      "--database-url <url>",
      "use this PostgreSQL server instead of the embedded one (env ASSAY_DATABASE_URL)",
    )
    .option(
      "--definitions <dir>",
      "load metric, segment and flag definitions from the YAML files of this folder at start (env ASSAY_DEFINITIONS_DIR)",
    )
    .option("--no-demo", "do not create the demo experiments and data on the first start")
    .addHelpText(
      "after",
      "\nOn the first start it creates the platform owner API key (admin of team demo; printed, and kept in <home>/api-keys.json) and,\nunless --no-demo, two running demo experiments with 14 days of synthetic data and their results.\nStop with Ctrl-C: the event log is compacted into the lake before exit.",
    )
    .action(
      async (opts: {
        port?: string;
        host?: string;
        home?: string;
        databaseUrl?: string;
        definitions?: string;
        demo: boolean;
      }) => {
        const port = opts.port === undefined ? undefined : Number(opts.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
          throw new CliError(`--port: '${opts.port}' is not a port number`, 2);
        }
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          server = await startServer({
            ...(port === undefined ? {} : { port }),
            ...(opts.host === undefined ? {} : { host: opts.host }),
            ...(opts.home === undefined ? {} : { home: opts.home }),
            ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
            ...(opts.definitions === undefined ? {} : { definitionsDir: opts.definitions }),
            ...(opts.demo
              ? {
                  onFirstStart: (started) =>
                    seedDemo(started, { print: (line) => process.stdout.write(`${line}\n`) }),
                }
              : {}),
          });
        } catch (error) {
          if (error instanceof DefinitionsError) throw new CliError(error.message, 2);
          const code = (error as { code?: string }).code;
          if (code === "EADDRINUSE")
            throw new CliError(`port already in use: ${(error as Error).message}`, 1);
          if (code === "ECONNREFUSED")
            throw new CliError(`cannot reach the database: ${(error as Error).message}`, 1);
          throw error;
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            // A stop finishes within 10 s: close() bounds its wait for decision runs; this is the backstop.
            setTimeout(() => {
              process.stderr.write("assay serve: not stopped after 9.5 s; exiting\n");
              process.exit(1);
            }, 9_500).unref();
            void server.close().then(resolve);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        // Timers of abandoned work (a retry's backoff) must not keep the process alive once the server is closed.
        setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
      },
    );
}
