import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatasetSettings } from '../../lib/config/sections.ts';
import { ValbenchError } from '../../lib/errors.ts';
import type { DatasetSelection } from '../../lib/records/types.gen.ts';
import {
  fileRevision,
  parquetColumns,
  streamRows,
  type RawRow,
} from '../../lib/datasets/stream.ts';
import { rowColumns, validateRow, type DatasetRow } from './dataset.ts';
import { createPairSelector } from './sample.ts';
import { valueColumnsOf, type ValueColumns } from './value-columns.ts';

export interface LoadedDataset {
  selection: DatasetSelection;
  /** Every column the rows have, in first-seen order. */
  columns: string[];
  /** The columns read as the values the questions ask for (null: the dataset has none). */
  valueColumns: ValueColumns | null;
  /** The ids of the pairs selected, each once. */
  pairIds: ReadonlySet<string>;
  /**
   * The selected rows, validated, in dataset order, read again from the files as they are
   * iterated: one row group or line at a time, never the whole dataset in memory.
   */
  rows: () => AsyncIterable<DatasetRow>;
}

/** The local files of a dataset, in order, each with the name its rows are reported under. */
type DatasetFiles = { path: string; name: string }[];

/** The rows of the files, in order, with only the columns asked for when parquet. */
async function* rawRows(files: DatasetFiles, columns: readonly string[]): AsyncGenerator<RawRow> {
  for (const file of files) yield* streamRows(file.path, file.name, { columns });
}

/**
 * The rows a run evaluates, from a local file or the hub (downloaded to the cache folder, read
 * from disk). A first pass reads every row once, validating it (a bad row stops the run naming
 * the row), noting its columns and offering its id to the selection (limit, seeded sample or
 * named ids); only ids are kept. The rows themselves are read again, selected and validated, by
 * `rows()`. The selection record names the dataset, its exact revision (file hash or hub
 * commit), split, limit and seed.
 */
export async function loadDataset(
  settings: DatasetSettings,
  options: { cacheDir?: string; fetch?: typeof fetch } = {},
): Promise<LoadedDataset> {
  const source = settings.source;
  let files: DatasetFiles;
  let datasetId: string;
  let revision: string;
  if (source.kind === 'file') {
    files = [{ path: source.path, name: source.path }];
    datasetId = `file:${resolve(source.path)}`;
    revision = await fileRevision(source.path);
  } else {
    // The hub client (and its WASM hashers) is loaded only for a hub dataset.
    const { fetchHubSplit } = await import('./hub.ts');
    const hub = await fetchHubSplit({
      dataset: source.dataset,
      revision: source.revision,
      split: settings.split,
      hubUrl: source.hubUrl,
      token: source.token,
      cacheDir: options.cacheDir ?? join(homedir(), '.cache', 'valbench', 'hub'),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    files = hub.files.map((file) => ({
      path: file.local,
      name: `${source.dataset}/${file.path}`,
    }));
    datasetId = source.dataset;
    revision = hub.commit;
  }
  const columnSet = new Set<string>();
  const selector = createPairSelector(
    { limit: settings.limit, seed: settings.sampleSeed, pairIds: settings.pairIds },
    datasetId,
  );
  // A parquet file names its columns in its footer, and its other columns (the section text, the
  // bulk of a row) are never read; a JSONL file's columns are the keys of its rows.
  for (const file of files)
    if (file.path.endsWith('.parquet'))
      for (const column of await parquetColumns(file.path)) columnSet.add(column);
  for await (const { row, where } of rawRows(files, rowColumns(null))) {
    if (typeof row === 'object' && row !== null)
      for (const key of Object.keys(row)) columnSet.add(key);
    selector.offer(validateRow(row, where).id, where);
  }
  const pairIds = selector.picked();
  if (pairIds.size === 0)
    throw new ValbenchError('fatal', 'DATASET_EMPTY', `${datasetId}: no rows selected`);
  const columns = [...columnSet];
  const valueColumns = valueColumnsOf(columns, settings.valueColumns, datasetId);
  async function* rows(): AsyncGenerator<DatasetRow> {
    let found = 0;
    for await (const { row, where } of rawRows(files, rowColumns(valueColumns))) {
      const valid = validateRow(row, where, valueColumns);
      if (!pairIds.has(valid.id)) continue;
      found += 1;
      yield valid;
    }
    if (found !== pairIds.size)
      throw new ValbenchError(
        'fatal',
        'DATASET_CHANGED',
        `${datasetId}: ${found} of the ${pairIds.size} pairs selected were found when read again: the files changed while the run read them`,
      );
  }
  return {
    columns,
    valueColumns,
    pairIds,
    rows,
    selection: {
      datasetId,
      revision,
      split: settings.split,
      limit: settings.limit,
      sampleSeed: settings.sampleSeed,
      pairIds: settings.pairIds,
    },
  };
}
