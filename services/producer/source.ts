import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatasetSettings } from '../../lib/config/sections.ts';
import { ValbenchError } from '../../lib/errors.ts';
import type { DatasetSelection } from '../../lib/records/types.gen.ts';
import { parseParquet, readJsonl, readParquet } from '../../lib/datasets/files.ts';
import { fileRevision, selectRows, validateRow, type DatasetRow } from './dataset.ts';
import { fetchHubSplit } from './hub.ts';
import { valueColumnsOf, type ValueColumns } from './value-columns.ts';

/** The column names of the rows (the union of their keys, in first-seen order). */
function columnsOf(rows: readonly unknown[]): string[] {
  const columns = new Set<string>();
  for (const row of rows)
    if (typeof row === 'object' && row !== null)
      for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

export interface LoadedDataset {
  rows: DatasetRow[];
  selection: DatasetSelection;
  /** Every column the rows have, in first-seen order. */
  columns: string[];
  /** The columns read as the values the questions ask for (null: the dataset has none). */
  valueColumns: ValueColumns | null;
}

/**
 * The rows a run evaluates: read from a local file or the hub, each validated (a bad row stops
 * the run naming the row), then selected by limit or seeded sample. The selection record names
 * the dataset, its exact revision (file hash or hub commit), split, limit and seed.
 */
export async function loadDataset(
  settings: DatasetSettings,
  options: { cacheDir?: string; fetch?: typeof fetch } = {},
): Promise<LoadedDataset> {
  const source = settings.source;
  let raw: { where: string; rows: unknown[] }[];
  let datasetId: string;
  let revision: string;
  if (source.kind === 'file') {
    const rows = source.path.endsWith('.parquet')
      ? await readParquet(source.path)
      : readJsonl(source.path);
    raw = [{ where: source.path, rows }];
    datasetId = `file:${resolve(source.path)}`;
    revision = fileRevision(source.path);
  } else {
    const hub = await fetchHubSplit({
      dataset: source.dataset,
      revision: source.revision,
      split: settings.split,
      hubUrl: source.hubUrl,
      token: source.token,
      cacheDir: options.cacheDir ?? join(homedir(), '.cache', 'valbench', 'hub'),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    raw = [];
    for (const file of hub.files)
      raw.push({ where: `${source.dataset}/${file.path}`, rows: await parseParquet(file.bytes) });
    datasetId = source.dataset;
    revision = hub.commit;
  }
  const columns = columnsOf(raw.flatMap(({ rows }) => rows));
  const valueColumns = valueColumnsOf(columns, settings.valueColumns, datasetId);
  const valid = raw.flatMap(({ where, rows }) =>
    rows.map((row, i) => validateRow(row, `${where} row ${i + 1}`, valueColumns)),
  );
  const rows = selectRows(valid, settings.limit, settings.sampleSeed, settings.pairIds, datasetId);
  if (rows.length === 0)
    throw new ValbenchError('fatal', 'DATASET_EMPTY', `${datasetId}: no rows selected`);
  return {
    rows,
    columns,
    valueColumns,
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
