import { fdatasync, write } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import { isReadableWalText, WalRecordError } from "./wal-record.js";

const segmentPattern = /^wal-(\d{9})\.ndjson$/;
const segmentName = (n: number): string => `wal-${String(n).padStart(9, "0")}.ndjson`;

export interface EventLogOptions {
  /** Folder of the log's segments. */
  readonly dir: string;
  /**
   * A segment is sealed (and becomes compactable) once it grows past this size. Default 32 MiB: a compaction's
   * DuckDB needs about five times its segment at its peak, so the size bounds the collector's memory under load.
   */
  readonly segmentBytes?: number;
}

/** A sealed segment: complete, no longer written, ready to be compacted and then removed. */
export interface SealedSegment {
  readonly number: number;
  readonly path: string;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * An append-only NDJSON write-ahead log with group commit: concurrent `append` calls share one
 * write and one `fdatasync`, and each resolves only once its lines are on disk.
 * @example
 * const log = await openEventLog({ dir: ".assay/wal" });
 * await log.append('{"event_id":"e1"}\n'); // durable now
 */
export interface EventLog {
  append(lines: string): Promise<void>;
  /** Closes the current segment if it holds anything and starts the next one. */
  seal(): Promise<void>;
  sealedSegments(): Promise<SealedSegment[]>;
  removeSegment(segment: SealedSegment): Promise<void>;
  /** Lines of a sealed segment (whole lines only). */
  readSegment(segment: SealedSegment): Promise<string[]>;
  readonly stats: { flushes: number; appends: number; bytes: number };
  close(): Promise<void>;
}

/**
 * Opens the log, recovering after a crash: a torn last line (a write cut short) is cut off; every
 * segment found on disk is sealed, and appends go to a fresh segment.
 */
export async function openEventLog(options: EventLogOptions): Promise<EventLog> {
  const { dir } = options;
  const segmentBytes = options.segmentBytes ?? 32 * 1024 * 1024;
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir))
    .map((f) => segmentPattern.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  existing.sort((a, b) => a - b);
  for (const n of existing) {
    const path = join(dir, segmentName(n));
    const text = await readFile(path, "utf8");
    const end = text.lastIndexOf("\n") + 1;
    if (end < text.length) await truncate(path, Buffer.byteLength(text.slice(0, end)));
  }
  let current = (existing.at(-1) ?? 0) + 1;
  let handle: FileHandle = await open(join(dir, segmentName(current)), "a");
  let size = 0;
  let pending: string[] = [];
  let waiters: Waiter[] = [];
  let scheduled = false;
  let chain: Promise<void> = Promise.resolve();
  const stats = { flushes: 0, appends: 0, bytes: 0 };

  async function rotate(): Promise<void> {
    if (size === 0) return;
    await handle.close();
    current++;
    handle = await open(join(dir, segmentName(current)), "a");
    size = 0;
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = pending.join("");
    const batchWaiters = waiters;
    pending = [];
    waiters = [];
    if (batchWaiters.length === 0) return;
    try {
      // Encoded once: the write and the size accounting share the bytes.
      const bytes = Buffer.from(batch);
      await writeAndSync(handle.fd, bytes);
      size += bytes.length;
      stats.flushes++;
      stats.bytes += bytes.length;
      for (const w of batchWaiters) w.resolve();
    } catch (error) {
      for (const w of batchWaiters) w.reject(error);
    }
    if (size >= segmentBytes) await rotate();
  }

  function serial(op: () => Promise<void>): Promise<void> {
    const run = chain.then(op, op);
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    stats,
    append(lines) {
      // The log holds only what its reader reads back (wal-record.ts): an unreadable append never reaches the disk.
      if (!isReadableWalText(lines))
        return Promise.reject(
          new WalRecordError("the record cannot be read back (lone UTF-16 surrogate or not JSON)"),
        );
      stats.appends++;
      return new Promise<void>((resolve, reject) => {
        pending.push(lines);
        waiters.push({ resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // After the event loop's poll phase, so every request read in this turn joins the group; requests
          // arriving while a flush is in progress queue behind it and share the next one.
          setImmediate(() => void serial(flush));
        }
      });
    },
    seal: () => serial(rotate),
    async sealedSegments() {
      const numbers = (await readdir(dir))
        .map((f) => segmentPattern.exec(f))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .filter((n) => n < current);
      numbers.sort((a, b) => a - b);
      return numbers.map((n) => ({ number: n, path: join(dir, segmentName(n)) }));
    },
    async removeSegment(segment) {
      await rm(segment.path, { force: true });
    },
    async readSegment(segment) {
      const text = await readFile(segment.path, "utf8");
      return text.split("\n").filter((line) => line !== "");
    },
    close: () =>
      serial(async () => {
        await handle.close();
      }),
  };
}

/** One write and one `fdatasync` through the callback API: about a fifth less CPU per group commit than `FileHandle`'s. */
function writeAndSync(fd: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const sync = (error: NodeJS.ErrnoException | null): void => {
      if (error !== null) reject(error);
      else fdatasync(fd, (e) => (e === null ? resolve() : reject(e)));
    };
    const from = (offset: number): void =>
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        if (error !== null) return sync(error);
        // A short write (rare: a signal, a full disk) continues where it stopped.
        if (offset + written < bytes.length) from(offset + written);
        else sync(null);
      });
    from(0);
  });
}
