import {
  EngineError,
  EngineUrlError,
  isWarehouseKind,
  openWarehouse as open,
  type Warehouse,
  type WarehouseKind,
  warehouseKinds,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";

/** Adds `--engine` and `--url` to a command that can run the models in a warehouse. */
export function withEngineOptions(command: Command): Command {
  return command
    .option("--engine <name>", `where the models run: ${warehouseKinds.join(" | ")}`, "duckdb")
    .option(
      "--url <url>",
      "warehouse connection: postgres://user@host:5432/db[?schema=assay] or clickhouse://host:8123[,host2:8123]/db[?cluster=name]",
    );
}

/** Validates `--engine`; `--url` is required for the warehouses. */
export function parseWarehouseKind(engine: string, url: string | undefined): WarehouseKind {
  if (!isWarehouseKind(engine)) {
    throw new CliError(`--engine must be one of ${warehouseKinds.join(", ")}, got "${engine}"`, 2);
  }
  if (engine !== "duckdb" && !url) throw new CliError(`--url is required with --engine ${engine}`, 2);
  return engine;
}

/** Opens a warehouse; a bad URL or an unreachable server is a user error (exit 2). */
export async function openWarehouse(kind: WarehouseKind, url: string): Promise<Warehouse> {
  try {
    return await open({ kind, url });
  } catch (error) {
    if (error instanceof EngineUrlError || error instanceof EngineError || error instanceof TypeError) {
      throw new CliError(`${kind}: ${(error as Error).message}`, 2, { cause: error });
    }
    throw error;
  }
}
