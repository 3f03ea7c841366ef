import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./input-schema.js";

export interface InputFile {
  readonly path: string;
  readonly format: "csv" | "parquet";
}

const formatOf = (name: string): InputFile["format"] | null =>
  name.endsWith(".csv") ? "csv" : name.endsWith(".parquet") ? "parquet" : null;

/**
 * Finds a table's files in a data folder: `<stem>.csv`, `<stem>.parquet`, or a folder `<stem>/` of such files.
 * @example resolveInputFiles("data", "events") // [{ path: "data/events.parquet", format: "parquet" }]
 */
export function resolveInputFiles(dir: string, stem: string): InputFile[] {
  const candidates = [`${stem}.csv`, `${stem}.parquet`].map((name) => join(dir, name));
  const files: InputFile[] = [];
  for (const path of candidates) {
    if (isFile(path)) files.push({ path, format: path.endsWith(".csv") ? "csv" : "parquet" });
  }
  const folder = join(dir, stem);
  if (isDirectory(folder)) {
    for (const name of readdirSync(folder).sort()) {
      const format = formatOf(name);
      if (format && isFile(join(folder, name))) files.push({ path: join(folder, name), format });
    }
  }
  if (files.length === 0) {
    throw new InputError(
      `no input for "${stem}": expected ${stem}.csv, ${stem}.parquet or a folder ${stem}/`,
      {
        file: join(dir, stem),
      },
    );
  }
  const formats = new Set(files.map((f) => f.format));
  if (formats.size > 1) {
    throw new InputError(`"${stem}" mixes CSV and Parquet files; use one format per table`, { file: folder });
  }
  return files;
}

/**
 * Like {@link resolveInputFiles} for an optional table: no `<stem>.csv`, `<stem>.parquet` or `<stem>/` means no files.
 * @example resolveOptionalInputFiles("data", "user_attributes") // [] when the folder has none
 */
export function resolveOptionalInputFiles(dir: string, stem: string): InputFile[] {
  const present = [`${stem}.csv`, `${stem}.parquet`, stem].some((name) => {
    const path = join(dir, name);
    return isFile(path) || isDirectory(path);
  });
  return present ? resolveInputFiles(dir, stem) : [];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
