import { EngineError, eraseUserFromWarehouse, isWarehouseKind } from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { openWarehouse } from "./engine-options.js";

interface EraseUserOptions {
  engine: string;
  url: string;
  user: string;
  json?: boolean;
}

/** `assay erase-user`: DSAR erasure of one user from a warehouse the server does not know. */
export function registerEraseUserCommand(program: Command): void {
  program
    .command("erase-user")
    .description(
      "Delete every row of one user (user_id, anon_id, identity_id) from every table Assay created in a PostgreSQL or ClickHouse warehouse: raw_* load tables and model tables (DSAR). Idempotent.",
    )
    .requiredOption("--engine <name>", "postgres | clickhouse")
    .requiredOption(
      "--url <url>",
      "postgres://user@host:5432/db[?schema=assay] or clickhouse://host:8123[,host2:8123]/db[?cluster=name]",
    )
    .requiredOption("--user <id>", "the user id to erase")
    .option("--json", "print the rows removed per table as JSON")
    .addHelpText(
      "after",
      `
Examples:
  assay erase-user --engine postgres --url postgres://assay@localhost/warehouse --user u-42
  assay erase-user --engine clickhouse --url 'clickhouse://ch1:8123,ch2:8123/assay?cluster=assay' --user u-42
Warehouses listed in the server's ASSAY_WAREHOUSE_URLS are erased by DELETE /api/users/{id}; use this for others.
The lake and the registry are not touched here (the server erases those).`,
    )
    .action(async (options: EraseUserOptions) => {
      if (!isWarehouseKind(options.engine) || options.engine === "duckdb") {
        throw new CliError(`--engine must be postgres or clickhouse, got "${options.engine}"`, 2);
      }
      if (options.user.trim() === "") throw new CliError("--user must not be empty", 2);
      const warehouse = await openWarehouse(options.engine, options.url);
      try {
        const erasure = await eraseUserFromWarehouse(warehouse, options.user);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ user_id: options.user, ...erasure }, null, 2)}\n`);
          return;
        }
        for (const [table, rows] of Object.entries(erasure.tables))
          process.stdout.write(`${table}: ${rows} rows\n`);
        process.stdout.write(`erased ${options.user}: ${erasure.rows} rows from ${options.engine}\n`);
      } catch (error) {
        if (error instanceof EngineError)
          throw new CliError(`${options.engine}: ${error.message}`, 1, { cause: error });
        throw error;
      } finally {
        await warehouse.close();
      }
    });
}
