import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ValbenchError } from '../errors.ts';
import { readArrowFile, readSaveToDisk } from './arrow-folder.ts';
import { readJsonl, readParquet } from './files.ts';

export const tableInputHelp =
  'FILE.parquet, FILE.jsonl, FILE.arrow or a datasets save_to_disk folder';

/** Whether a path names something `readTable` reads; otherwise the problem. */
export function tableInputProblem(path: string): string | null {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return `${path}: no such file or folder`;
  }
  if (isDir || /\.(parquet|jsonl|arrow)$/.test(path)) return null;
  return `${path}: must be ${tableInputHelp}`;
}

/**
 * The rows of a dataset file or folder, as plain objects: parquet (the hub's format), JSONL,
 * one Arrow IPC file, or a `save_to_disk` folder. `files` lists what was read, in order.
 */
export async function readTable(path: string): Promise<{ rows: unknown[]; files: string[] }> {
  const problem = tableInputProblem(path);
  if (problem !== null) throw new ValbenchError('fatal', 'DATASET_INPUT_INVALID', problem);
  if (statSync(path).isDirectory()) return readSaveToDisk(path);
  if (path.endsWith('.parquet')) return { rows: await readParquet(path), files: [path] };
  if (path.endsWith('.arrow')) return { rows: readArrowFile(path), files: [path] };
  return { rows: readJsonl(path), files: [path] };
}

/** A short hash of the files' contents, in order: the revision of a local dataset. */
export function contentRevision(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}
