// Engines benchmark: the 10M-assignment / 20M-exposure / 50M-event data set (ASSAY_BENCH_SCALE=1; 0.05 for a quick
// try) generated once in DuckDB, written to Parquet, bulk-loaded with src/load into a throw-away PostgreSQL and a
// two-shard ClickHouse cluster, then every model timed on each engine side by side. Peak memory per model is the
// summed RSS of the server processes (PostgreSQL postmaster and backends, every clickhouse-server) read from /proc
// while the model runs, plus Node's RSS (which holds DuckDB, embedded). Writes bench-results/pipeline-engines.*.
// ASSAY_BENCH_ENGINES=clickhouse,postgres runs only those (in that order) and merges their figures into the existing
// results of the same scale; ASSAY_BENCH_DATA=DIR keeps the generated Parquet there and reuses it on the next run.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startClickHouseCluster } from "../../../scripts/clickhouse-cluster.js";
import { startPostgresTestServer } from "../../../scripts/postgres-test-server.js";
import {
  type AssayConfig,
  createDuckDbEngine,
  createDuckDbWarehouse,
  generateDataset,
  loadInputsIntoWarehouse,
  openWarehouse,
  type ProgressReporter,
  runPipeline,
  type Warehouse,
  type WarehouseKind,
} from "../src/index.js";
import { loadInputTable } from "../src/io/load-input-table.js";
import { benchDatasetOptions, benchScale as scale, benchUsers as users } from "./bench-dataset.js";

const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results");
const dt = "2026-02-01";
const tables = ["assignments", "exposures", "events"] as const;
const engineOrder = (process.env.ASSAY_BENCH_ENGINES ?? "duckdb,postgres,clickhouse")
  .split(",")
  .map((e) => e.trim())
  .filter((e) => e !== "") as WarehouseKind[];
for (const e of engineOrder) {
  if (!["duckdb", "postgres", "clickhouse"].includes(e))
    throw new Error(`ASSAY_BENCH_ENGINES: unknown engine "${e}"`);
}
// Server settings a warehouse of this size would run with (the test defaults are sized for tiny fixtures).
const postgresSettings = { shared_buffers: "2GB", work_mem: "256MB", maintenance_work_mem: "1GB" };
const clickhouseMemory = { memoryBytes: 9_000_000_000 };
const clickhouseProfile = {
  max_memory_usage: 8_000_000_000,
  max_bytes_before_external_group_by: 3_000_000_000,
  max_bytes_before_external_sort: 3_000_000_000,
};
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

/** VmRSS of a process in bytes (0 when it is gone). */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function processes(): { pid: number; ppid: number; cmdline: string }[] {
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      out.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // exited while scanning
    }
  }
  return out;
}

/** The PostgreSQL postmaster listening on `port` and its children (backends, background workers). */
function postgresPids(port: string): () => number[] {
  return () => {
    const all = processes();
    const master = all.find((p) => /(^|\/)postgres /.test(p.cmdline) && p.cmdline.includes(`-p ${port} `));
    if (!master) return [];
    return [master.pid, ...all.filter((p) => p.ppid === master.pid).map((p) => p.pid)];
  };
}

/** clickhouse-server processes whose config names one of the cluster's HTTP ports. */
function clickhousePids(ports: ReadonlyArray<string>): () => number[] {
  const pids = processes()
    .filter((p) => p.cmdline.includes("clickhouse") && p.cmdline.includes("--config-file="))
    .filter((p) => {
      const config = /--config-file=(\S+)/.exec(p.cmdline)?.[1];
      if (!config) return false;
      try {
        const xml = readFileSync(config, "utf8");
        return ports.some((port) => xml.includes(`<http_port>${port}</http_port>`));
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
  return () => pids;
}

interface ModelFigure {
  readonly model: string;
  readonly rows: number | null;
  readonly seconds: number;
  readonly peakServerMb: number;
  readonly peakNodeMb: number;
}

interface EngineFigures {
  readonly engine: WarehouseKind;
  readonly loadSeconds: number;
  readonly totalSeconds: number;
  readonly models: ModelFigure[];
  readonly shards?: ReadonlyArray<{ shard: number; table: string; rows: number; bytes: number }>;
}

/** Runs every model (data tests off, as in bench/run.ts), sampling RSS every 50 ms, one peak per model. */
async function timeModels(warehouse: Warehouse, config: AssayConfig, serverPids: () => number[]) {
  const figures: ModelFigure[] = [];
  let peakServer = 0;
  let peakNode = 0;
  let pids = serverPids();
  const sample = () => {
    peakServer = Math.max(
      peakServer,
      pids.reduce((sum, pid) => sum + rssOf(pid), 0),
    );
    peakNode = Math.max(peakNode, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 50);
  const progress: ProgressReporter = {
    modelStarted() {
      pids = serverPids();
      peakServer = 0;
      peakNode = 0;
      sample();
    },
    modelFinished(report) {
      sample();
      figures.push({
        model: report.model,
        rows: report.rows,
        seconds: report.elapsedMs / 1000,
        peakServerMb: mb(peakServer),
        peakNodeMb: mb(peakNode),
      });
    },
    note() {},
  };
  const started = performance.now();
  try {
    await runPipeline({
      source: { kind: "loaded" },
      warehouse,
      sink: { kind: "none" },
      config,
      skipTests: true,
      progress,
    });
  } finally {
    clearInterval(timer);
  }
  return { models: figures, totalSeconds: (performance.now() - started) / 1000 };
}

interface BenchReport {
  scale: number;
  users: number;
  rows: Record<string, number>;
  engines: EngineFigures[];
  /** Circumstances of the runs (ASSAY_BENCH_NOTE, kept across merges), e.g. what else the machine ran. */
  notes?: string[];
}

/** Generates the data set into `dir` as Parquet (or reuses what an earlier run left there). */
async function dataset(dir: string): Promise<{ rows: Record<string, number>; config: AssayConfig }> {
  const meta = join(dir, `dataset-${scale}.json`);
  if (existsSync(meta)) {
    console.log(`reusing the data set in ${dir}`);
    return JSON.parse(readFileSync(meta, "utf8")) as { rows: Record<string, number>; config: AssayConfig };
  }
  mkdirSync(dir, { recursive: true });
  const generator = await createDuckDbEngine({
    path: join(dir, "gen.duckdb"),
    tempDirectory: join(dir, "spill"),
  });
  try {
    const generated = await generateDataset(generator, benchDatasetOptions(users));
    for (const t of tables) {
      await generator.run(`COPY raw_${t} TO '${join(dir, `${t}.parquet`)}' (FORMAT parquet)`);
    }
    const out = { rows: generated.rows, config: generated.config };
    writeFileSync(meta, JSON.stringify(out));
    return out;
  } finally {
    await generator.close();
    await rm(join(dir, "gen.duckdb"), { force: true });
  }
}

/** Writes the figures so far, merged with an earlier run's other engines and notes at the same scale. */
function writeReport(report: BenchReport): void {
  const jsonPath = join(outDir, "pipeline-engines.json");
  const earlier = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, "utf8")) as BenchReport)
    : undefined;
  const same = earlier?.scale === report.scale ? earlier : undefined;
  const ran = new Set(report.engines.map((e) => e.engine));
  const order: WarehouseKind[] = ["duckdb", "postgres", "clickhouse"];
  const engines = [...(same?.engines.filter((e) => !ran.has(e.engine)) ?? []), ...report.engines].sort(
    (a, b) => order.indexOf(a.engine) - order.indexOf(b.engine),
  );
  const note = process.env.ASSAY_BENCH_NOTE;
  const notes = [...new Set([...(same?.notes ?? []), ...(note ? [note] : [])])];
  const merged = { ...report, engines, ...(notes.length > 0 ? { notes } : {}) };
  writeFileSync(jsonPath, `${JSON.stringify(merged, null, 2)}\n`);
  writeFileSync(join(outDir, "pipeline-engines.md"), markdown(merged));
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), "assay-bench-engines-"));
  const dataDir = process.env.ASSAY_BENCH_DATA ?? join(work, "data");
  const results: EngineFigures[] = [];
  const failed: WarehouseKind[] = [];
  try {
    console.log(
      `pipeline engines bench: scale ${scale} (${users.toLocaleString()} users), engines ${engineOrder.join(", ")}`,
    );
    const generated = await dataset(dataDir);
    const files = Object.fromEntries(
      tables.map((t) => [t, [{ path: join(dataDir, `${t}.parquet`), format: "parquet" as const }]]),
    ) as Record<(typeof tables)[number], { path: string; format: "parquet" }[]>;
    console.log("data set:", generated.rows);
    const config = generated.config;
    const report = (): BenchReport => ({ scale, users, rows: generated.rows, engines: results });

    for (const kind of engineOrder) {
      // DuckDB, embedded: server memory is Node's own.
      if (kind === "duckdb") {
        const duck = await createDuckDbWarehouse({
          path: join(work, "bench.duckdb"),
          tempDirectory: join(work, "spill"),
        });
        try {
          const load = performance.now();
          for (const t of tables) await loadInputTable(duck.engine, t, files[t]);
          const loadSeconds = (performance.now() - load) / 1000;
          const timed = await timeModels(duck, config, () => []);
          results.push({ engine: "duckdb", loadSeconds, ...timed });
          console.log(`duckdb: load ${loadSeconds.toFixed(1)}s, models ${timed.totalSeconds.toFixed(1)}s`);
          writeReport(report());
        } finally {
          await duck.close();
        }
        continue;
      }
      const server:
        | {
            url: string;
            httpUrls?: ReadonlyArray<string>;
            errorLogs?: ReadonlyArray<string>;
            stop(): Promise<void>;
          }
        | undefined =
        kind === "postgres"
          ? await startPostgresTestServer({ settings: postgresSettings })
          : await startClickHouseCluster(2, { ...clickhouseMemory, profile: clickhouseProfile });
      if (server === undefined) {
        console.warn(`skipping ${kind}: server binaries not installed (scripts/install-services.sh)`);
        continue;
      }
      const opened = await openWarehouse({ kind, url: server.url });
      try {
        try {
          const loader = opened.loader;
          if (loader === null) throw new Error(`${kind} cannot bulk-load`);
          const load = performance.now();
          await loadInputsIntoWarehouse(loader, files, dt);
          const loadSeconds = (performance.now() - load) / 1000;
          const ports = [...server.url.matchAll(/:(\d+)/g)].map((m) => m[1] ?? "");
          const pids = kind === "postgres" ? postgresPids(new URL(server.url).port) : clickhousePids(ports);
          const timed = await timeModels(opened, config, pids);
          const figures: EngineFigures = { engine: kind, loadSeconds, ...timed };
          if (server.httpUrls !== undefined) {
            const shards: { shard: number; table: string; rows: number; bytes: number }[] = [];
            for (const [i, url] of server.httpUrls.entries()) {
              const text = await (
                await fetch(
                  `${url}/?query=${encodeURIComponent("SELECT table, sum(rows), sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'assay_local' GROUP BY table ORDER BY table FORMAT TSV")}`,
                )
              ).text();
              for (const line of text.trim().split("\n")) {
                const [table, rows, bytes] = line.split("\t");
                if (table) shards.push({ shard: i + 1, table, rows: Number(rows), bytes: Number(bytes) });
              }
            }
            results.push({ ...figures, shards });
          } else {
            results.push(figures);
          }
          console.log(`${kind}: load ${loadSeconds.toFixed(1)}s, models ${timed.totalSeconds.toFixed(1)}s`);
          writeReport(report());
        } catch (error) {
          // One engine failing leaves the others' figures; its server logs are kept for the post-mortem.
          failed.push(kind);
          console.error(`${kind} failed:`, error);
          for (const [i, log] of (server.errorLogs ?? []).entries()) {
            if (existsSync(log))
              copyFileSync(log, join(outDir, `pipeline-engines-${kind}-shard${i + 1}-error.log`));
          }
        }
      } finally {
        await opened.close();
        await server.stop();
      }
    }

    // With no engine to run (ASSAY_BENCH_ENGINES=""), this re-renders the merged figures already in outDir.
    writeReport(report());
    if (existsSync(join(outDir, "pipeline-engines.md"))) {
      console.log(readFileSync(join(outDir, "pipeline-engines.md"), "utf8"));
    }
    if (failed.length > 0) throw new Error(`engines failed: ${failed.join(", ")}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function markdown(report: BenchReport): string {
  const { engines } = report;
  const names = engines[0]?.models.map((m) => m.model) ?? [];
  const head = `| model | ${engines.map((e) => `${e.engine} s | ${e.engine} peak MB (server + node)`).join(" | ")} |`;
  const rule = `| --- | ${engines.map(() => "---: | ---:").join(" | ")} |`;
  const lines = names.map((name) => {
    const cells = engines.map((e) => {
      const m = e.models.find((x) => x.model === name);
      return m ? `${m.seconds.toFixed(2)} | ${m.peakServerMb} + ${m.peakNodeMb}` : "– | –";
    });
    return `| ${name} | ${cells.join(" | ")} |`;
  });
  const totals = `| **load (bulk)** | ${engines.map((e) => `${e.loadSeconds.toFixed(1)} | `).join(" | ")} |\n| **all models + results** | ${engines.map((e) => `${e.totalSeconds.toFixed(1)} | `).join(" | ")} |`;
  const shards = engines.flatMap((e) => e.shards ?? []);
  const shardTable =
    shards.length === 0
      ? ""
      : `\n## ClickHouse per-shard split (system.parts, active parts of \`assay_local\`)\n\n| table | ${[...new Set(shards.map((s) => s.shard))].map((s) => `shard ${s} rows | shard ${s} MB`).join(" | ")} |\n| --- | ${[...new Set(shards.map((s) => s.shard))].map(() => "---: | ---:").join(" | ")} |\n${[
          ...new Set(shards.map((s) => s.table)),
        ]
          .map(
            (table) =>
              `| ${table} | ${shards
                .filter((s) => s.table === table)
                .map((s) => `${s.rows.toLocaleString("en-US")} | ${(s.bytes / 1_048_576).toFixed(1)}`)
                .join(" | ")} |`,
          )
          .join("\n")}\n`;
  return `# Pipeline on DuckDB, PostgreSQL and ClickHouse

Scale **${report.scale}** (ASSAY_BENCH_SCALE; 1 = 10M assignments / 20M exposures / 50M events): ${report.users.toLocaleString("en-US")} users,
rows ${Object.entries(report.rows)
    .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
    .join(", ")}. One run per engine on a shared 2-core machine (noisy).
Same data set (generated once, written to Parquet, bulk-loaded with \`src/load\`), every model with data tests off.
PostgreSQL 15: one throw-away server (fsync off, shared_buffers 2GB, work_mem 256MB). ClickHouse 18.16: two-shard
cluster on the same machine (max_threads 2, 8 GB per query, GROUP BY and ORDER BY spill to disk past 3 GB).
Peak MB: summed RSS of the server processes while the model ran (PostgreSQL postmaster and backends, shared buffers
counted in each process that touched them; both clickhouse-servers) + Node's RSS (which is all of DuckDB's, embedded).
${(report.notes ?? []).map((n) => `\n${n}\n`).join("")}

${head}
${rule}
${lines.join("\n")}
${totals}
${shardTable}`;
}

await main();
