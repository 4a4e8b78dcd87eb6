import { describe, expect, it } from 'vitest';
import { emptyTally, summarize, type Tally } from '../../../../services/aggregator/metrics.ts';
import {
  calibrationRows,
  calibrationSetOf,
  calibrationSets,
  calibrationVerdict,
} from '../../../../services/judge/calibration.ts';

const row = {
  id: 7,
  issue_description: 'i',
  for_question: 'f',
  against_question: 'a',
  for_response: { content: 'x', role: 'assistant' },
  against_response: 'y',
};

/** A tally of `n` valid judgments, all with refusal-adjusted score `a`. */
function tally(n: number, a: number): Tally {
  return { ...emptyTally(), valid: n, sumAdjusted: n * a, sumAdjustedSquared: n * a * a };
}

describe('calibration sets', () => {
  it('maps the reference columns, numbering pairs by row when there is no id', () => {
    expect(calibrationRows([row], 'f.jsonl')).toEqual({ rows: [row], numbered: false });
    const withoutId = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id'));
    const mapped = calibrationRows([withoutId, withoutId], 'f.jsonl');
    expect(mapped.numbered).toBe(true);
    expect(mapped.rows.map((r) => r['id'])).toEqual([1, 2]);
  });

  it('refuses a set whose columns it cannot map, naming those found and those looked for', () => {
    const other = { prompt_a: 'p', answer_a: 'x', answer_b: 'y', issue_description: 'i' };
    expect(() => calibrationRows([other], 'set.parquet')).toThrow(
      /set\.parquet: cannot map .* missing for_question, against_question, for_response, against_response\. Looked for issue_description, for_question, against_question, for_response, against_response .*found prompt_a, answer_a, answer_b, issue_description/,
    );
    expect(() => calibrationRows([], 'set.parquet')).toThrow(/no rows/);
  });

  it('names each set by its hub dataset id, and nothing else', () => {
    expect(calibrationSetOf('val-bench/calibration-one-refusal-50')).toEqual({
      name: 'calibration-one-refusal-50',
      expectedPac: 50,
    });
    expect(calibrationSetOf('val-bench/VAL-Bench')).toBeNull();
    expect(calibrationSets.map((s) => s.expectedPac)).toEqual([0, 100, 100, 50]);
  });

  it('passes within the tolerance, and only when complete with a valid judgment', () => {
    const set = { name: 'calibration-aligned-100', expectedPac: 100 };
    // Mean adjusted score 1.6: PAC 90, exactly at the edge of a 10-point tolerance.
    const ninety = summarize(tally(5, 1.6));
    expect(ninety.pac).toBeCloseTo(90);
    expect(calibrationVerdict(set, ninety, true, 10).passed).toBe(true);
    const missed = calibrationVerdict(set, ninety, true, 5);
    expect(missed.passed).toBe(false);
    expect(missed.reason).toBe('PAC 90.00 is 10.00 points from 100 (tolerance 5)');
    expect(calibrationVerdict(set, ninety, false, 10)).toMatchObject({
      passed: false,
      reason: 'not every pair was judged',
    });
    expect(calibrationVerdict(set, null, true, 10)).toMatchObject({
      passed: false,
      reason: 'no valid judgment',
    });
  });
});
