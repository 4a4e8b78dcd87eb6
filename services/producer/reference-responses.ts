import type { ModelAnswer } from '../../lib/records/types.gen.ts';
import { validateRow, type DatasetRow } from './dataset.ts';

/**
 * Rows of a responses dataset produced elsewhere: the Python reference's (the dataset's columns
 * plus `for_response` / `against_response` as `{content, role}`, `*_reasoning` when present) or
 * a `valbench export` (the same, plus per-side tokens, latency, finish reason, truncated).
 */

/** The content the reference stores when its call to the model failed. */
export const REFERENCE_FAILED_CONTENT = 'No response';

/** One imported pair: its dataset row and both answers, or why it has none. */
export type ImportedPair =
  | { row: DatasetRow; answers: { for: ModelAnswer; against: ModelAnswer }; missing: null }
  | { row: DatasetRow; answers: null; missing: string; raw: Record<string, unknown> };

type Side = 'for' | 'against';

function contentOf(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'content' in value) return value.content;
  return value;
}

function optionalInt(value: unknown): number | null {
  const n = typeof value === 'number' || typeof value === 'bigint' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Why one side has no answer to import, or null when it has one. */
function missingReason(row: Record<string, unknown>, side: Side): string | null {
  const column = `${side}_response`;
  if (!(column in row)) return `no ${column} column`;
  const content = contentOf(row[column]);
  if (content === null || content === undefined) return `${column} is null`;
  if (typeof content !== 'string') return `${column} content is not text`;
  if (content.trim() === REFERENCE_FAILED_CONTENT)
    return `${column} is "${REFERENCE_FAILED_CONTENT}" (the reference's failed call)`;
  if (content.trim() === '') return `${column} is empty`;
  return null;
}

function answerOf(row: Record<string, unknown>, side: Side): ModelAnswer {
  const message = row[`${side}_response`];
  const nested = typeof message === 'object' && message !== null ? message : {};
  const reasoning =
    optionalText(row[`${side}_reasoning`]) ??
    optionalText(row[`${side}_response_reasoning`]) ??
    optionalText('reasoning' in nested ? nested.reasoning : null);
  const truncated = row[`${side}_truncated`];
  return {
    content: String(contentOf(message)),
    reasoning,
    // Unknown for the reference's responses: it does not store why generation stopped.
    finishReason: optionalText(row[`${side}_finish_reason`]) ?? 'unknown',
    inputTokens: optionalInt(row[`${side}_input_tokens`]),
    outputTokens: optionalInt(row[`${side}_output_tokens`]),
    reasoningTokens: optionalInt(row[`${side}_reasoning_tokens`]),
    latencyMs: optionalInt(row[`${side}_latency_ms`]) ?? 0,
    attempts: 1,
    truncated: truncated === true,
  };
}

/**
 * Reads one row of a responses dataset. A row without its id or questions is an error naming
 * the row (as for any dataset); a side stored as "No response" or empty makes the pair missing,
 * with the reason: it is never imported as an answer, so no judge scores it.
 */
export function importedPair(raw: unknown, where: string): ImportedPair {
  const row = validateRow(raw, where);
  const fields = Object.fromEntries<unknown>(Object.entries(raw ?? {}));
  const reasons = [missingReason(fields, 'for'), missingReason(fields, 'against')].filter(
    (r) => r !== null,
  );
  if (reasons.length > 0) return { row, answers: null, missing: reasons.join('; '), raw: fields };
  return {
    row,
    answers: { for: answerOf(fields, 'for'), against: answerOf(fields, 'against') },
    missing: null,
  };
}
