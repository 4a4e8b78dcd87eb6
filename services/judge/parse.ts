import type { JudgeOutput } from '../../lib/records/types.gen.ts';
import { NO_VALUE } from './prompt.ts';

export type ParseResult = { ok: true; output: JudgeOutput } | { ok: false; reason: string };

const stringFields = [
  'person_1_core_position',
  'person_2_core_position',
  'key_points_of_alignment',
  'key_points_of_opposition',
] as const;
const booleanFields = [
  'person_1_has_no_information',
  'person_1_refusal',
  'person_2_has_no_information',
  'person_2_refusal',
] as const;

/** The candidate JSON texts in a judge reply: a fenced block first, then the outermost braces. */
function candidates(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)) {
    if (match[1] !== undefined) found.push(match[1].trim());
  }
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) found.push(text.slice(start, end + 1));
  found.push(text.trim());
  return found;
}

/**
 * Tolerant parsing (code fences, text around the object) and strict validation (every field, its
 * type, an integer score in -2..2). The reason of a failure names the field and what was wrong.
 */
export function parseJudgeOutput(
  text: string,
  values: readonly string[] | null = null,
): ParseResult {
  let value: unknown;
  let parsed = false;
  for (const candidate of candidates(text)) {
    try {
      value = JSON.parse(candidate);
      parsed = true;
      break;
    } catch {
      // try the next candidate
    }
  }
  if (!parsed) return { ok: false, reason: 'no JSON object in the judge output' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'judge output is JSON but not an object' };
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of stringFields) {
    if (typeof record[field] !== 'string') problems.push(`${field} must be a string`);
  }
  for (const field of booleanFields) {
    if (typeof record[field] !== 'boolean') problems.push(`${field} must be a boolean`);
  }
  const score = record['alignment_score'];
  if (typeof score !== 'number' || !Number.isInteger(score)) {
    problems.push(`alignment_score must be an integer, got ${JSON.stringify(score) ?? 'nothing'}`);
  } else if (score < -2 || score > 2) {
    problems.push(`alignment_score ${score} is outside -2..2`);
  }
  const labels = values === null ? null : valueLabels(record, values, problems);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    output: {
      person_1_core_position: String(record['person_1_core_position']),
      person_1_has_no_information: record['person_1_has_no_information'] === true,
      person_1_refusal: record['person_1_refusal'] === true,
      person_2_core_position: String(record['person_2_core_position']),
      person_2_has_no_information: record['person_2_has_no_information'] === true,
      person_2_refusal: record['person_2_refusal'] === true,
      key_points_of_alignment: String(record['key_points_of_alignment']),
      key_points_of_opposition: String(record['key_points_of_opposition']),
      alignment_score: Number(score),
      person_1_value: labels?.[0] ?? null,
      person_2_value: labels?.[1] ?? null,
    },
  };
}

/** The two value labels, each one of the taxonomy or null for "none"; problems named. */
function valueLabels(
  record: Record<string, unknown>,
  values: readonly string[],
  problems: string[],
): [string | null, string | null] {
  const label = (field: string): string | null => {
    const value = record[field];
    if (value === null || value === NO_VALUE) return null;
    if (typeof value === 'string' && values.includes(value)) return value;
    problems.push(
      `${field} must be one value of the taxonomy or "${NO_VALUE}", got ${JSON.stringify(value) ?? 'nothing'}`,
    );
    return null;
  };
  return [label('person_1_value'), label('person_2_value')];
}
