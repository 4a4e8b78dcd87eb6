import { readFileSync } from 'node:fs';
import type { JudgeSettings } from '../../lib/config/sections.ts';
import { ValbenchError } from '../../lib/errors.ts';
import { noValueColumns, taxonomyOf } from '../producer/value-columns.ts';
import type { LoadedDataset } from '../producer/source.ts';

/** A taxonomy file: one value per line (blank lines and `#` comments skipped), sorted, once. */
export function readTaxonomyFile(path: string): string[] {
  const values = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (values.length === 0)
    throw new ValbenchError('fatal', 'VALUES_EMPTY', `--values ${path}: no value in the file`);
  return [...new Set(values)].sort();
}

/**
 * The values a judge labels responses with: none (values off), the file's, or every value of the
 * dataset's value columns. A values analysis on a dataset without value columns stops here, with
 * the columns it has. The dataset's values are read from its selected rows, streamed.
 */
export async function judgeTaxonomy(
  choice: JudgeSettings['values'],
  dataset: Pick<LoadedDataset, 'columns' | 'valueColumns' | 'selection'> & {
    rows: () => Parameters<typeof taxonomyOf>[0];
  },
): Promise<string[] | null> {
  if (choice === null) return null;
  if (choice.from === 'file') return readTaxonomyFile(choice.path);
  const where = dataset.selection.datasetId;
  if (dataset.valueColumns === null) throw noValueColumns(dataset.columns, where);
  const values = await taxonomyOf(dataset.rows());
  if (values.length === 0)
    throw new ValbenchError(
      'fatal',
      'VALUES_EMPTY',
      `${where}: the value columns ${dataset.valueColumns.for} / ${dataset.valueColumns.against} hold no value in the pairs selected`,
    );
  return values;
}

/** One line saying which value columns a run reads, so the choice is never silent. */
export function describeValueColumns(
  dataset: Pick<LoadedDataset, 'valueColumns' | 'columns'>,
): string {
  const v = dataset.valueColumns;
  return v === null
    ? `values: the dataset has no value columns (columns: ${dataset.columns.join(', ')})`
    : `values: the questions' values read from ${v.for} / ${v.against} (${v.how === 'named' ? 'named by the flags' : 'found in the file'})`;
}
