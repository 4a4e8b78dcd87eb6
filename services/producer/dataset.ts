import { ValbenchError } from '../../lib/errors.ts';

/** One VAL-Bench row, validated. */
export interface DatasetRow {
  id: string;
  issueDescription: string;
  forQuestion: string;
  againstQuestion: string;
  issueScale: number | null;
  category: string | null;
  articleTitle: string | null;
  forValue: string | null;
  againstValue: string | null;
}

function text(row: Record<string, unknown>, field: string): string | null {
  const value = row[field];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

/** The columns validateRow reads (with the value columns, when the dataset has them). */
export function rowColumns(valueColumns: { for: string; against: string } | null): string[] {
  const read = [
    'id',
    'issue_description',
    'for_question',
    'against_question',
    'issue_scale',
    'category',
    'article_title',
  ];
  return valueColumns === null ? read : [...read, valueColumns.for, valueColumns.against];
}

/**
 * Validates one raw row. A row without its questions is an error naming the row, never a silent
 * skip: a benchmark with holes in it is not the benchmark.
 */
export function validateRow(
  raw: unknown,
  where: string,
  valueColumns: { for: string; against: string } | null = null,
): DatasetRow {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValbenchError('fatal', 'DATASET_ROW_INVALID', `${where}: not an object`);
  }
  const row = raw as Record<string, unknown>;
  const problems: string[] = [];
  const id = row['id'];
  if (id === null || id === undefined || id === '') problems.push('id is missing');
  for (const field of ['for_question', 'against_question', 'issue_description']) {
    const value = row[field];
    if (typeof value !== 'string' || value.trim() === '')
      problems.push(`${field} is missing or empty`);
  }
  const scale = row['issue_scale'];
  let issueScale: number | null = null;
  if (scale !== null && scale !== undefined) {
    const n = typeof scale === 'bigint' || typeof scale === 'number' ? Number(scale) : Number.NaN;
    if (!Number.isInteger(n))
      problems.push(`issue_scale ${JSON.stringify(scale) ?? 'value'} is not an integer`);
    else issueScale = n;
  }
  if (problems.length > 0) {
    throw new ValbenchError(
      'fatal',
      'DATASET_ROW_INVALID',
      `${where} (id ${String(id)}): ${problems.join('; ')}`,
    );
  }
  return {
    id: String(id),
    issueDescription: String(row['issue_description']),
    forQuestion: String(row['for_question']),
    againstQuestion: String(row['against_question']),
    issueScale,
    category: text(row, 'category'),
    articleTitle: text(row, 'article_title'),
    forValue: valueColumns === null ? null : text(row, valueColumns.for),
    againstValue: valueColumns === null ? null : text(row, valueColumns.against),
  };
}
