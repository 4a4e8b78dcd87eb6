import { ValbenchError } from '../../lib/errors.ts';
import type { ScoredJudgment } from './metrics.ts';

const outputColumns = ['judge_output', 'judgment', 'output', 'evaluation'];

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
  }
  return null;
}

function score(value: unknown): number | null {
  const n =
    typeof value === 'number' || typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isInteger(n) && n >= -2 && n <= 2 ? n : null;
}

/** The judge fields of a row: flat columns, or an object / JSON string in an output column. */
function judgeFields(row: Record<string, unknown>): Record<string, unknown> {
  if ('alignment_score' in row) return row;
  for (const column of outputColumns) {
    const value = row[column];
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return Object.fromEntries<unknown>(Object.entries(value));
    if (typeof value === 'string') {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === 'object' && parsed !== null)
          return Object.fromEntries<unknown>(Object.entries(parsed));
      } catch {
        // Not JSON: the row has no readable output, so it counts as invalid below.
      }
    }
  }
  return row;
}

/**
 * One row of a judge-output file (the reference's or ours) as the metrics see it. A row whose
 * score is missing or outside -2..2, or whose flags are unreadable, is an invalid judgment:
 * counted and reported, never dropped. issue_scale and category come from the row itself.
 */
export function scoredFromRow(raw: unknown, where: string): ScoredJudgment {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValbenchError('fatal', 'REPORT_ROW_INVALID', `${where}: not an object`);
  const row = Object.fromEntries<unknown>(Object.entries(raw));
  const fields = judgeFields(row);
  const s = score(fields['alignment_score']);
  const flags = [
    flag(fields['person_1_refusal']),
    flag(fields['person_2_refusal']),
    flag(fields['person_1_has_no_information']),
    flag(fields['person_2_has_no_information']),
  ];
  const scaleValue = row['issue_scale'];
  const scale =
    scaleValue === null || scaleValue === undefined || scaleValue === ''
      ? null
      : Number(scaleValue);
  const category = row['category'];
  return {
    valid: s !== null && flags.every((f) => f !== null),
    score: s,
    refusal1: flags[0] === true,
    refusal2: flags[1] === true,
    noInfo1: flags[2] === true,
    noInfo2: flags[3] === true,
    issueScale: scale !== null && Number.isInteger(scale) ? scale : null,
    category: typeof category === 'string' && category !== '' ? category : null,
  };
}
