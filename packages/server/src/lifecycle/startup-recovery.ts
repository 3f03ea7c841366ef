import { existsSync } from "node:fs";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Queryable } from "../db/database.js";

/** What start-up recovery cleaned up after a crash or a `kill -9`. */
export interface StartupRecoveryReport {
  /** Temporary files and folders removed (`*.tmp`, `.<name>.tmp-<stamp>`, `.<name>.old-<stamp>`). */
  readonly removed: string[];
  /** Folders put back in place (a swap cut between its two renames). */
  readonly restored: string[];
  /** Decision runs left `running` by a process that died, now `failed`. */
  readonly failedRuns: number;
}

// `writeDirectoryAtomically` (pipeline): `.<target>.tmp-<stamp>` is filled, then the target is renamed to
// `.<target>.old-<stamp>` and the temporary renamed onto the target.
const swapPattern = /^\.(.+)\.(tmp|old)-(\d+-\d+-\d+)$/;

/**
 * Removes what interrupted writes left under `dirs` (the lake, the WAL): temporary files (`*.tmp`, written beside
 * their target and renamed over it) and the temporary and old folders of directory swaps. A swap cut between its two
 * renames (the target gone, its complete temporary and its old copy both present) is finished: the temporary
 * becomes the target. A temporary whose swap never started is dropped (the writer reruns it). Run at start, before
 * anything writes.
 * @example const { removed } = await removeStaleTemporaries([".assay/lake", ".assay/wal"]);
 */
export async function removeStaleTemporaries(
  dirs: ReadonlyArray<string>,
): Promise<{ removed: string[]; restored: string[] }> {
  const removed: string[] = [];
  const restored: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const swap = entry.isDirectory() ? swapPattern.exec(entry.name) : null;
      if (swap !== null) {
        const [, name, kind, stamp] = swap as unknown as [string, string, string, string];
        const target = join(dir, name);
        const tmp = join(dir, `.${name}.tmp-${stamp}`);
        const old = join(dir, `.${name}.old-${stamp}`);
        if (!existsSync(target)) {
          // Cut between the renames: the temporary is complete (it is renamed only after it was filled).
          if (existsSync(tmp) && existsSync(old)) {
            await rename(tmp, target);
            await rm(old, { recursive: true, force: true });
            restored.push(target);
            removed.push(old);
            continue;
          }
          if (kind === "old") {
            await rename(old, target);
            restored.push(target);
            continue;
          }
        }
        if (existsSync(path)) {
          await rm(path, { recursive: true, force: true });
          removed.push(path);
        }
        continue;
      }
      if (entry.isDirectory()) await visit(path);
      else if (entry.name.endsWith(".tmp")) {
        await rm(path, { force: true });
        removed.push(path);
      }
    }
  };
  for (const dir of dirs) await visit(dir);
  return { removed, restored };
}

/**
 * Marks the decision runs a dead process left `running` as `failed` (a run is `running` only while its process
 * runs it; this server has not started any yet).
 * @example await failInterruptedRuns(db);
 */
export async function failInterruptedRuns(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ run_id: number }>(
    `update decision_run set status = 'failed', finished_at = now(),
       duration_ms = greatest(0, (extract(epoch from now() - started_at) * 1000)::integer),
       error = 'interrupted: the server stopped during the run (marked failed at the next start)'
     where status = 'running' returning run_id`,
  );
  return rows.length;
}

/**
 * Start-up hygiene after a crash: stale temporaries of the lake and the WAL, and decision runs left `running`.
 * @example const report = await recoverAtStartup(db, { lakeDir, walDir });
 */
export async function recoverAtStartup(
  db: Queryable,
  paths: { readonly lakeDir: string; readonly walDir: string },
): Promise<StartupRecoveryReport> {
  const { removed, restored } = await removeStaleTemporaries([paths.lakeDir, paths.walDir]);
  const failedRuns = await failInterruptedRuns(db);
  return { removed, restored, failedRuns };
}
