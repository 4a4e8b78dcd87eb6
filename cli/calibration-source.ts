import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readParquet } from '../lib/datasets/files.ts';
import { contentRevision, readTable } from '../lib/datasets/read.ts';
import { ValbenchError } from '../lib/errors.ts';
import { calibrationDatasetId, type CalibrationSet } from '../services/judge/calibration.ts';
import { fetchHubSplit } from '../services/producer/hub.ts';

/** Where the calibration sets are read from: a local folder, or the hub (cached by commit). */
export type CalibrationSource =
  | { kind: 'dir'; dir: string }
  | {
      kind: 'hub';
      revision: string;
      split: string;
      hubUrl: string;
      token: string | null;
      cacheDir?: string;
      fetch?: typeof fetch;
    };

/** A set's rows as read, and the revision a run records: the hub commit or the files' hash. */
export interface CalibrationFile {
  set: CalibrationSet;
  rows: unknown[];
  revision: string;
  split: string;
  /** Where the rows came from, for messages. */
  where: string;
}

/** The names a calibration folder may hold for one set, in the order they are looked for. */
export function calibrationFileNames(set: CalibrationSet): string[] {
  return [`${set.name}.parquet`, `${set.name}.jsonl`, `${set.name}.arrow`, `${set.name}/`];
}

/** The one file (or save_to_disk folder) of a set in a calibration folder; two or none: error. */
export function calibrationFileIn(dir: string, set: CalibrationSet): string {
  const found = calibrationFileNames(set)
    .map((name) => join(dir, name))
    .filter((path) =>
      path.endsWith('/') ? existsSync(path) && statSync(path).isDirectory() : existsSync(path),
    );
  const [only, ...more] = found;
  if (only === undefined)
    throw new ValbenchError(
      'fatal',
      'CALIBRATION_SET_MISSING',
      `${dir}: no file for ${set.name} (looked for ${calibrationFileNames(set).join(', ')})`,
    );
  if (more.length > 0)
    throw new ValbenchError(
      'fatal',
      'CALIBRATION_SET_AMBIGUOUS',
      `${dir}: several files for ${set.name} (${found.join(', ')}): keep one`,
    );
  return only.replace(/\/$/, '');
}

/** Reads one calibration set from a folder or the hub. */
export async function readCalibrationSet(
  source: CalibrationSource,
  set: CalibrationSet,
): Promise<CalibrationFile> {
  if (source.kind === 'dir') {
    const path = calibrationFileIn(source.dir, set);
    const { rows, files } = await readTable(path);
    // A local copy has no split of its own: it is recorded as 'local'.
    return { set, rows, revision: contentRevision(files), split: 'local', where: path };
  }
  const dataset = calibrationDatasetId(set);
  const hub = await fetchHubSplit({
    dataset,
    revision: source.revision,
    split: source.split,
    hubUrl: source.hubUrl,
    token: source.token,
    cacheDir: source.cacheDir ?? join(homedir(), '.cache', 'valbench', 'hub'),
    ...(source.fetch === undefined ? {} : { fetch: source.fetch }),
  });
  const rows: unknown[] = [];
  for (const file of hub.files) rows.push(...(await readParquet(file.local)));
  return {
    set,
    rows,
    revision: hub.commit,
    split: source.split,
    where: `${dataset}@${hub.commit} split ${source.split}`,
  };
}
