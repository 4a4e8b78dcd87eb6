import { NO_VALUE } from '../judge/prompt.ts';
import { ValbenchError } from '../../lib/errors.ts';
import type { ScoredJudgment, ValueLabels } from './metrics.ts';

/**
 * Columns that may carry the judge's fields as an object or a JSON string, in the order they are
 * tried after the row's own top-level columns. `alignment_judge_parsed` is the reference's
 * evaluation dataset's struct; the others are what other judge-output files use.
 */
const nestedColumns = [
  'alignment_judge_parsed',
  'judge_output',
  'judgment',
  'output',
  'evaluation',
];
/** The reference's raw judge message, `{content, role}`: its content is the judge's JSON text. */
const rawColumn = 'alignment_judge_response';

const flagFields = [
  'person_1_refusal',
  'person_2_refusal',
  'person_1_has_no_information',
  'person_2_has_no_information',
] as const;

/** What `valbench report` looks for, for the message of a file with no valid judgment. */
export const judgmentColumnsHelp = `alignment_score (an integer in -2..2; the reference writes -100 when the judge output did not parse) and ${flagFields.join(', ')}: as top-level columns, or inside ${nestedColumns.join(', ')} (a struct or a JSON string), or in the JSON text of ${rawColumn}.content`;

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1 || value === 0n || value === 1n) return Number(value) === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
  }
  return null;
}

function integer(value: unknown): number | null {
  const n =
    typeof value === 'number' || typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isInteger(n) ? n : null;
}

function objectOf(value: unknown): Record<string, unknown> | null {
  if (typeof value === 'string') {
    try {
      return objectOf(JSON.parse(value));
    } catch {
      // Not JSON: this column holds no judge fields.
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return Object.fromEntries<unknown>(Object.entries(value));
}

/** The places a row's judge fields may be, in order of precedence. */
function sources(row: Record<string, unknown>, withRaw = true): Record<string, unknown>[] {
  const found = [row];
  for (const column of nestedColumns) {
    const nested = objectOf(row[column]);
    if (nested !== null) found.push(nested);
  }
  if (!withRaw) return found;
  const raw = objectOf(row[rawColumn]);
  const content = raw === null ? null : objectOf(raw['content']);
  if (content !== null) found.push(content);
  return found;
}

/** The first value of a field that is present (not null) in the sources. */
function field(from: readonly Record<string, unknown>[], name: string): unknown {
  for (const source of from) {
    const value = source[name];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

/**
 * The columns of a values analysis: the values the questions ask for (top-level, from the
 * dataset) and the values the judge saw demonstrated (anywhere the judge's fields may be).
 */
const askedColumns = ['for_value', 'against_value'] as const;
const shownFields = ['person_1_value', 'person_2_value'] as const;
/** Columns saying person 1 is the against side: `reversed`, or our export's `judge_reversed`. */
const reversedColumns = ['reversed', 'judge_reversed'] as const;

/** The value-label columns the rows lack, in a fixed order; empty when a values analysis can run. */
export function missingValueColumns(rows: readonly unknown[]): string[] {
  const missing = new Set<string>([...askedColumns, ...shownFields]);
  for (const raw of rows) {
    const row = objectOf(raw);
    if (row === null || typeof raw === 'string') continue;
    for (const name of askedColumns) if (name in row) missing.delete(name);
    // The parsed fields only: a judge's raw text may carry labels it was never asked for.
    for (const source of sources(row, false))
      for (const name of shownFields) if (name in source) missing.delete(name);
    if (missing.size === 0) break;
  }
  return [...missing];
}

/** A value label: null, undefined, blank text or the judge's own "none" means none. */
function label(value: unknown, where: string, name: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value.trim() === '' || value === NO_VALUE ? null : value;
  throw new ValbenchError(
    'fatal',
    'REPORT_ROW_INVALID',
    `${where}: ${name} must be a value name, empty or null`,
  );
}

/** The row's value labels, person 1 being the for side unless the row says it is reversed. */
function valueLabels(
  row: Record<string, unknown>,
  from: readonly Record<string, unknown>[],
  where: string,
): ValueLabels {
  let reversed = false;
  for (const name of reversedColumns) {
    const raw = row[name];
    if (raw === null || raw === undefined) continue;
    const value = flag(raw);
    if (value === null)
      throw new ValbenchError(
        'fatal',
        'REPORT_ROW_INVALID',
        `${where}: ${name} must be a boolean, not ${JSON.stringify(raw)}`,
      );
    reversed = value;
    break;
  }
  const person1 = label(field(from, 'person_1_value'), where, 'person_1_value');
  const person2 = label(field(from, 'person_2_value'), where, 'person_2_value');
  return {
    forAsked: label(row['for_value'], where, 'for_value'),
    againstAsked: label(row['against_value'], where, 'against_value'),
    forShown: reversed ? person2 : person1,
    againstShown: reversed ? person1 : person2,
  };
}

/** One row of a judge-output file as the metrics see it, and why it is invalid (null: valid). */
export interface JudgmentRow {
  judgment: ScoredJudgment;
  problem: string | null;
}

/**
 * Reads one row of a judge-output file: the reference's evaluation dataset (top-level
 * `alignment_score`, -100 when unparseable, flags in the `alignment_judge_parsed` struct), our
 * export (the same, plus `valid`), or flat / nested judge outputs. A top-level column wins over a
 * nested one, so a row the reference scored -100 stays invalid. A row whose score is missing or
 * outside -2..2, whose flags are unreadable, or marked `valid: false`, is an invalid judgment:
 * counted and reported, never dropped. issue_scale and category come from the row itself.
 * With `withValues` (the file has the value columns, see missingValueColumns) the row's value
 * labels are read too; without, they are null.
 */
export function readJudgmentRow(raw: unknown, where: string, withValues = false): JudgmentRow {
  const row = objectOf(raw);
  if (row === null || typeof raw === 'string')
    throw new ValbenchError('fatal', 'REPORT_ROW_INVALID', `${where}: not an object`);
  const from = sources(row);
  const rawScore = field(from, 'alignment_score');
  const score = integer(rawScore);
  const flags = flagFields.map((name) => flag(field(from, name)));
  const scale = integer(row['issue_scale']);
  const category = row['category'];
  let problem: string | null = null;
  if (rawScore === null) problem = 'no alignment_score';
  else if (score === null || score < -2 || score > 2)
    problem = `alignment_score ${JSON.stringify(rawScore, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))} outside -2..2`;
  else if (flags.some((f) => f === null))
    problem = `unreadable ${flagFields.filter((_, i) => flags[i] === null).join(', ')}`;
  else if (row['valid'] === false) problem = 'marked valid = false';
  return {
    judgment: {
      valid: problem === null,
      score: problem === null ? score : null,
      refusal1: flags[0] === true,
      refusal2: flags[1] === true,
      noInfo1: flags[2] === true,
      noInfo2: flags[3] === true,
      issueScale: scale,
      category: typeof category === 'string' && category !== '' ? category : null,
      values: withValues ? valueLabels(row, from, where) : null,
    },
    problem,
  };
}

/** The columns of the rows, nested struct fields as `column.field`, in first-seen order. */
export function columnsOf(rows: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const raw of rows.slice(0, 1000)) {
    const row = objectOf(raw);
    if (row === null || typeof raw === 'string') continue;
    for (const [name, value] of Object.entries(row)) {
      const nested = typeof value === 'object' ? objectOf(value) : null;
      if (nested === null) seen.add(name);
      else for (const inner of Object.keys(nested)) seen.add(`${name}.${inner}`);
    }
  }
  return [...seen];
}
