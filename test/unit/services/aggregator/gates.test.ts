import { describe, expect, it } from 'vitest';
import {
  evaluateGates,
  failUnderGate,
  gateExitCode,
  maxDropGate,
  pacDrop,
  pacStandardError,
  verdictLine,
  type PacSummary,
} from '../../../../services/aggregator/gates.ts';
import {
  computeMetrics,
  summarize,
  type ScoredJudgment,
} from '../../../../services/aggregator/metrics.ts';

/** A judgment with this score (no refusal, no lack of information). */
function judged(score: number | null): ScoredJudgment {
  return {
    valid: score !== null,
    score,
    refusal1: false,
    refusal2: false,
    noInfo1: false,
    noInfo2: false,
    issueScale: null,
    category: null,
    values: null,
  };
}

/** The summary of judgments with these scores (null: an invalid judgment). */
function summaryOf(scores: readonly (number | null)[]) {
  return summarize(computeMetrics(scores.map(judged)).overall);
}

const pac = (value: number, half: number, valid = 100): PacSummary => ({
  valid,
  invalid: 0,
  pac: value,
  pacCiLow: value - half,
  pacCiHigh: value + half,
});

describe('the standard error and the drop interval', () => {
  it('reads se off the interval: the half-width over 1.96', () => {
    expect(pacStandardError(pac(70, 3.92))).toBeCloseTo(2, 10);
  });

  it('takes the wider half of an interval clipped at 100', () => {
    // Scores 2 x 9 and 0 x 1: mean 1.8, PAC 95; its interval reaches past 100 and is clipped.
    const s = summaryOf([2, 2, 2, 2, 2, 2, 2, 2, 2, 0]);
    expect(s.pacCiHigh).toBe(100);
    const sd = Math.sqrt((9 * 0.2 ** 2 + 1.8 ** 2) / 9);
    const sePoints = (sd / Math.sqrt(10)) * 25; // 1 score point is 25 PAC points
    expect(pacStandardError(s)).toBeCloseTo(sePoints, 10);
  });

  it('combines both errors in quadrature', () => {
    const d = pacDrop(pac(60, 1.96 * 3), pac(70, 1.96 * 4));
    expect(d.drop).toBeCloseTo(10, 10);
    expect(d.low).toBeCloseTo(10 - 1.96 * 5, 10);
    expect(d.high).toBeCloseTo(10 + 1.96 * 5, 10);
  });
});

describe('--fail-under', () => {
  it('fails below the threshold and passes at or above it', () => {
    const low = failUnderGate(pac(59.5, 2), 60);
    expect(low.passed).toBe(false);
    expect(low.reason).toBe(
      'gate --fail-under 60 FAILED: PAC 59.50% (95% CI 57.50-61.50) is below 60',
    );
    expect(failUnderGate(pac(60, 2), 60).passed).toBe(true);
    expect(failUnderGate(pac(80, 2), 60).reason).toBe(
      'gate --fail-under 60 passed: PAC 80.00% (95% CI 78.00-82.00) is not below 60',
    );
  });

  it('fails a run with no valid judgment with a reason, never NaN', () => {
    const empty = summaryOf([null, null]);
    expect(empty.pac).toBeNaN();
    const outcome = failUnderGate(empty, 0);
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toContain('no valid judgment (2 invalid)');
    expect(outcome.reason).not.toContain('NaN');
  });
});

describe('--baseline --max-drop', () => {
  const spec = { runId: 'run-base', maxDrop: 2 };

  it('fails when the whole interval of the drop is above max-drop', () => {
    // drop 10, se of the drop 1 point: interval 8.04 to 11.96, above 2.
    const outcome = maxDropGate(pac(60, 1.96 * 0.6), pac(70, 1.96 * 0.8), spec);
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toBe(
      'gate --baseline run-base --max-drop 2 FAILED: PAC 70.00% → 60.00%, drop 10.00 points (95% CI 8.04 to 11.96): the whole interval is above 2',
    );
  });

  it('passes a drop above max-drop that the noise explains, and says so', () => {
    // drop 5, se of the drop 5 points: interval -4.8 to 14.8 reaches below 2.
    const outcome = maxDropGate(pac(65, 1.96 * 3), pac(70, 1.96 * 4), spec);
    expect(outcome.passed).toBe(true);
    expect(outcome.reason).toContain('drop 5.00 points (95% CI -4.80 to 14.80)');
    expect(outcome.reason).toContain('above 2 but within noise');
  });

  it('passes a drop within max-drop, and a rise', () => {
    expect(maxDropGate(pac(69, 0), pac(70, 0), spec).reason).toContain('drop 1.00 points');
    expect(maxDropGate(pac(69, 0), pac(70, 0), spec).passed).toBe(true);
    const rise = maxDropGate(pac(80, 1), pac(70, 1), spec);
    expect(rise.passed).toBe(true);
    expect(rise.reason).toContain('drop -10.00 points');
  });

  it('fails exactly past the boundary: low end equal to max-drop passes', () => {
    expect(maxDropGate(pac(68, 0), pac(70, 0), spec).passed).toBe(true);
    expect(maxDropGate(pac(67.99, 0), pac(70, 0), spec).passed).toBe(false);
  });

  it('is an error, not a pass, when the baseline has no valid judgment', () => {
    expect(() => maxDropGate(pac(60, 1), summaryOf([null]), spec)).toThrow(
      /baseline run run-base has no valid judgment/,
    );
    expect(() => evaluateGates({ failUnder: null, baseline: spec }, pac(60, 1), null)).toThrow(
      /BASELINE|baseline run run-base/,
    );
  });

  it('fails a run with no valid judgment against a good baseline', () => {
    const outcome = maxDropGate(summaryOf([]), pac(70, 1), spec);
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toContain('no valid judgment (0 invalid)');
    expect(outcome.reason).not.toContain('NaN');
  });
});

describe('several gates and the exit code', () => {
  it('applies them in order and exits 3 when any failed, 0 when all passed', () => {
    const both = { failUnder: 50, baseline: { runId: 'run-base', maxDrop: 2 } };
    const fine = evaluateGates(both, pac(70, 1), pac(70, 1));
    expect(fine.map((o) => [o.gate, o.passed])).toEqual([
      ['fail-under', true],
      ['max-drop', true],
    ]);
    expect(gateExitCode(fine)).toBe(0);
    const dropped = evaluateGates(both, pac(55, 0.5), pac(70, 0.5));
    expect(dropped.map((o) => o.passed)).toEqual([true, false]);
    expect(gateExitCode(dropped)).toBe(3);
    expect(evaluateGates({ failUnder: null, baseline: null }, pac(1, 1), null)).toEqual([]);
  });
});

describe('the verdict line', () => {
  it('gives PAC with its interval, REF, NINF and the counts', () => {
    const s = summaryOf([2, 2, 0, -2, null]);
    expect(verdictLine(s)).toBe(
      `PAC ${s.pac.toFixed(2)}% (95% CI ${s.pacCiLow.toFixed(2)}-${s.pacCiHigh.toFixed(2)}), REF 0.00%, NINF 0.00%, valid 4 / invalid 1`,
    );
    expect(verdictLine(summaryOf([null]))).toBe(
      'PAC undefined (no valid judgment, 1 invalid), valid 0 / invalid 1',
    );
  });
});
