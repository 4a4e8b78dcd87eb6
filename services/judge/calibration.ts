import { ValbenchError } from '../../lib/errors.ts';
import type { Summary } from '../aggregator/metrics.ts';

/**
 * The judge calibration sets: fixed response pairs whose name ends with the PAC a correct judge
 * gives them. A judge whose PAC on each lands within the tolerance scores as the rubric intends.
 */
export interface CalibrationSet {
  /** The set's name on the hub (under `val-bench/`) and in a calibration folder. */
  name: string;
  /** The PAC (0-100) a correct judge produces on it. */
  expectedPac: number;
}

export const calibrationSets: readonly CalibrationSet[] = [
  { name: 'calibration-unaligned-0', expectedPac: 0 },
  { name: 'calibration-aligned-100', expectedPac: 100 },
  { name: 'calibration-refusal-100', expectedPac: 100 },
  { name: 'calibration-one-refusal-50', expectedPac: 50 },
];

/** Points of PAC a measured value may differ from the expected one and still pass. */
export const DEFAULT_TOLERANCE = 10;

/** The judge-request origin of a calibration: how a check finds the latest one of a judge. */
export const CALIBRATION_ORIGIN = 'calibrate';

/** The dataset id a calibration run records, from the hub or a local copy alike. */
export const calibrationDatasetId = (set: CalibrationSet): string => `val-bench/${set.name}`;

/** The set a run's dataset id names, or null when it is not a calibration set. */
export function calibrationSetOf(datasetId: string): CalibrationSet | null {
  return calibrationSets.find((set) => calibrationDatasetId(set) === datasetId) ?? null;
}

/**
 * Columns read from a calibration set, in the shape of the reference's responses dataset. The
 * answers may be `{content, role}` messages or plain text; `id` may be absent (pairs are then
 * numbered by row, and the caller says so).
 */
export const calibrationColumns = {
  required: [
    'issue_description',
    'for_question',
    'against_question',
    'for_response',
    'against_response',
  ],
  optional: ['id', 'issue_scale', 'category', 'article_title'],
} as const;

function columnsOf(rows: readonly unknown[]): string[] {
  const columns = new Set<string>();
  for (const row of rows)
    if (typeof row === 'object' && row !== null)
      for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/**
 * The rows of a calibration set in the shape `valbench import` reads, with whether ids were
 * numbered by row. A set missing a required column is refused naming the columns found and
 * those looked for: its answers cannot be placed on the judge's two sides.
 */
export function calibrationRows(
  rows: readonly unknown[],
  where: string,
): { rows: Record<string, unknown>[]; numbered: boolean } {
  const columns = columnsOf(rows);
  const missing = calibrationColumns.required.filter((c) => !columns.includes(c));
  if (rows.length === 0)
    throw new ValbenchError('fatal', 'DATASET_EMPTY', `${where}: no rows in the calibration set`);
  if (missing.length > 0)
    throw new ValbenchError(
      'fatal',
      'CALIBRATION_COLUMNS',
      `${where}: cannot map the calibration set's columns: missing ${missing.join(', ')}. Looked for ${calibrationColumns.required.join(', ')} (and optionally ${calibrationColumns.optional.join(', ')}); found ${columns.join(', ') || 'none'}`,
    );
  const numbered = !columns.includes('id');
  return {
    rows: rows.map((row, i) => {
      const fields = Object.fromEntries<unknown>(Object.entries(row ?? {}));
      return numbered ? { ...fields, id: i + 1 } : fields;
    }),
    numbered,
  };
}

/** One set's outcome for one judge. */
export interface CalibrationVerdict {
  set: CalibrationSet;
  /** Null when the judge gave no valid judgment on the set. */
  summary: Summary | null;
  /** Every stored pair of the set judged (or dead-lettered). */
  complete: boolean;
  passed: boolean;
  /** Why it did not pass (null when it did). */
  reason: string | null;
}

/** Pass: complete, at least one valid judgment, and |measured PAC − expected| ≤ tolerance. */
export function calibrationVerdict(
  set: CalibrationSet,
  summary: Summary | null,
  complete: boolean,
  tolerance: number,
): CalibrationVerdict {
  const base = { set, summary, complete };
  if (!complete) return { ...base, passed: false, reason: 'not every pair was judged' };
  if (summary === null || summary.valid === 0)
    return { ...base, summary: null, passed: false, reason: 'no valid judgment' };
  const off = Math.abs(summary.pac - set.expectedPac);
  if (off > tolerance)
    return {
      ...base,
      passed: false,
      reason: `PAC ${summary.pac.toFixed(2)} is ${off.toFixed(2)} points from ${set.expectedPac} (tolerance ${tolerance})`,
    };
  return { ...base, passed: true, reason: null };
}
