import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MapRow, RecordBatchReader, StructRow, Vector } from 'apache-arrow';
import { ValbenchError, messageOf } from '../errors.ts';

/**
 * An Arrow value as plain JavaScript: structs as objects, lists as arrays, int64 as bigint (as
 * hyparquet gives it), binary as Uint8Array.
 */
function plain(value: unknown): unknown {
  if (value instanceof Vector) return Array.from(value, plain);
  if (value instanceof StructRow || value instanceof MapRow) {
    const object: unknown = value.toJSON();
    if (typeof object !== 'object' || object === null) return object;
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValbenchError('fatal', 'DATASET_FOLDER_INVALID', `${path}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * The Arrow files of a `save_to_disk` folder, in order: the `_data_files` its `state.json` lists,
 * or else its `*.arrow` files sorted by name. A DatasetDict folder (with `dataset_dict.json`) is
 * an error naming its splits, since a report or an import is about one split.
 */
export function arrowFilesOf(dir: string): string[] {
  const dict = join(dir, 'dataset_dict.json');
  if (existsSync(dict)) {
    const splits: unknown = readJson(dict);
    const names =
      typeof splits === 'object' && splits !== null && 'splits' in splits
        ? JSON.stringify(splits.splits)
        : '(unreadable)';
    throw new ValbenchError(
      'fatal',
      'DATASET_FOLDER_INVALID',
      `${dir} holds several splits ${names} (a DatasetDict): pass one split's folder, e.g. ${join(dir, 'test')}`,
    );
  }
  const statePath = join(dir, 'state.json');
  if (existsSync(statePath)) {
    const state: unknown = readJson(statePath);
    const files =
      typeof state === 'object' && state !== null && '_data_files' in state
        ? state._data_files
        : null;
    if (!Array.isArray(files))
      throw new ValbenchError(
        'fatal',
        'DATASET_FOLDER_INVALID',
        `${statePath}: no _data_files list (is this a datasets save_to_disk folder?)`,
      );
    return files.map((entry: unknown, i) => {
      const name =
        typeof entry === 'object' && entry !== null && 'filename' in entry ? entry.filename : null;
      if (typeof name !== 'string' || name.includes('/') || name.includes('\\'))
        throw new ValbenchError(
          'fatal',
          'DATASET_FOLDER_INVALID',
          `${statePath}: _data_files[${i}] has no plain filename`,
        );
      return join(dir, name);
    });
  }
  const arrows = readdirSync(dir)
    .filter((name) => name.endsWith('.arrow'))
    .sort();
  if (arrows.length === 0)
    throw new ValbenchError(
      'fatal',
      'DATASET_FOLDER_INVALID',
      `${dir}: neither state.json nor *.arrow files (expected a datasets save_to_disk folder)`,
    );
  return arrows.map((name) => join(dir, name));
}

/** Every row of one Arrow IPC file (stream format, as `datasets` writes it, or file format). */
export function readArrowFile(path: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  try {
    const reader = RecordBatchReader.from(readFileSync(path));
    for (const batch of reader) {
      const names = batch.schema.fields.map((field) => field.name);
      for (let i = 0; i < batch.numRows; i += 1) {
        const row: Record<string, unknown> = {};
        for (const [c, name] of names.entries()) row[name] = plain(batch.getChildAt(c)?.get(i));
        rows.push(row);
      }
    }
  } catch (error) {
    throw new ValbenchError(
      'fatal',
      'DATASET_FOLDER_INVALID',
      `${path}: not a readable Arrow IPC file (${messageOf(error)})`,
      { cause: error },
    );
  }
  return rows;
}

/**
 * Every row of a Hugging Face `datasets` folder written by `save_to_disk` (Arrow stream files,
 * `dataset_info.json`, `state.json`), as plain objects in file order.
 */
export function readSaveToDisk(dir: string): { rows: Record<string, unknown>[]; files: string[] } {
  const files = arrowFilesOf(dir);
  return { rows: files.flatMap(readArrowFile), files };
}
