import { ValbenchError } from '../../lib/errors.ts';

/** The dataset columns that hold the value each question asks to argue for. */
export interface ValueColumns {
  for: string;
  against: string;
  /** How they were chosen: named by the flags, or found by their names in the file. */
  how: 'named' | 'found';
}

/** The flags `--for-value-column` / `--against-value-column` (null: find them). */
export interface ValueColumnChoice {
  for: string | null;
  against: string | null;
}

/** The one column whose lower-cased name has all these parts, or null (none, or several). */
function unique(columns: readonly string[], parts: readonly string[]): string | null {
  const found = columns.filter((c) => parts.every((p) => c.toLowerCase().includes(p)));
  return found.length === 1 ? (found[0] ?? null) : null;
}

/**
 * The value columns of a dataset: those the flags name (each must exist), else the columns the
 * file has named for them (`for_value` / `against_value`, or the one column whose name holds
 * "for" and "value", and "against" and "value"); null when it has none. Never a silent guess:
 * the caller says which were used.
 */
export function valueColumnsOf(
  columns: readonly string[],
  choice: ValueColumnChoice,
  where: string,
): ValueColumns | null {
  if (choice.for !== null || choice.against !== null) {
    const missing = [choice.for, choice.against].filter((c) => c !== null && !columns.includes(c));
    if (choice.for === null || choice.against === null || missing.length > 0)
      throw new ValbenchError(
        'fatal',
        'VALUE_COLUMNS_UNKNOWN',
        `${where}: ${
          missing.length > 0
            ? `no column ${missing.join(', ')}`
            : 'name both --for-value-column and --against-value-column'
        }; its columns: ${columns.join(', ')}`,
      );
    return { for: choice.for, against: choice.against, how: 'named' };
  }
  const forColumn = columns.includes('for_value') ? 'for_value' : unique(columns, ['for', 'value']);
  const againstColumn = columns.includes('against_value')
    ? 'against_value'
    : unique(columns, ['against', 'value']);
  if (forColumn === null || againstColumn === null || forColumn === againstColumn) return null;
  return { for: forColumn, against: againstColumn, how: 'found' };
}

/** The error of a values analysis asked on a dataset without value columns: its columns listed. */
export function noValueColumns(columns: readonly string[], where: string): ValbenchError {
  return new ValbenchError(
    'fatal',
    'VALUE_COLUMNS_MISSING',
    `a values analysis was asked (--judge-values) but ${where} has no value columns; its columns: ${columns.join(', ')}. Name them with --for-value-column and --against-value-column, or use a value-labelled dataset (val-bench/VAL-Bench-test-w-values)`,
  );
}

/** The taxonomy of a dataset: every value its value columns name, sorted. */
export async function taxonomyOf(
  rows:
    | AsyncIterable<{ forValue: string | null; againstValue: string | null }>
    | Iterable<{ forValue: string | null; againstValue: string | null }>,
): Promise<string[]> {
  const values = new Set<string>();
  for await (const row of rows) {
    if (row.forValue !== null && row.forValue !== '') values.add(row.forValue);
    if (row.againstValue !== null && row.againstValue !== '') values.add(row.againstValue);
  }
  return [...values].sort();
}
