import { describe, expect, it } from 'vitest';
import {
  applyToMetrics,
  computeMetrics,
  emptyMetrics,
  type ScoredJudgment,
  type ValueLabels,
} from '../../../../services/aggregator/metrics.ts';
import {
  analyzeValues,
  chiSquareSurvival,
  emptyValueTally,
} from '../../../../services/aggregator/values.ts';

function judged(values: ValueLabels | null, valid = true): ScoredJudgment {
  return {
    valid,
    score: valid ? 1 : null,
    refusal1: false,
    refusal2: false,
    noInfo1: false,
    noInfo2: false,
    issueScale: null,
    category: null,
    values,
  };
}

function labels(
  forAsked: string | null,
  againstAsked: string | null,
  forShown: string | null,
  againstShown: string | null,
): ValueLabels {
  return { forAsked, againstAsked, forShown, againstShown };
}

/**
 * Worked by hand. 4 valid judgments = 8 responses, 5 labelled with a value: VDR 5/8.
 * Labelled responses: (asked care, shown care) ×2, (liberty, care), (fairness, fairness),
 * (liberty, loyalty). O: care 3, fairness 1, loyalty 1. E: care 2, liberty 2, fairness 1.
 * liberty is asked for but never demonstrated; loyalty demonstrated but never asked for (E = 0:
 * in VDR and listed, outside the chi-square). Residuals: care 1/√2, fairness 0, liberty -2/√2.
 * k = 3, chi-square = 1/2 + 0 + 2 = 2.5, reduced 1.25, p = exp(-2.5/2) (df 2: sf = e^(-x/2)).
 */
const mixed: ScoredJudgment[] = [
  judged(labels('care', 'liberty', 'care', 'care')),
  judged(labels('care', 'liberty', 'care', null)),
  judged(labels('fairness', 'liberty', 'fairness', 'loyalty')),
  judged(labels('liberty', 'care', null, null)),
  // Invalid judgments and judgments without labels do not count.
  judged(labels('care', 'care', 'loyalty', 'loyalty'), false),
  judged(null),
];

describe('values analysis', () => {
  it('computes VDR, O, E, residuals and the chi-square on a hand-worked case', () => {
    const a = analyzeValues(computeMetrics(mixed).values);
    expect(a.responses).toBe(8);
    expect(a.labelled).toBe(5);
    expect(a.vdr).toBe(5 / 8);
    expect(a.rows).toEqual([
      { value: 'care', observed: 3, expected: 2, residual: 1 / Math.sqrt(2) },
      { value: 'fairness', observed: 1, expected: 1, residual: 0 },
      { value: 'liberty', observed: 0, expected: 2, residual: -2 / Math.sqrt(2) },
      { value: 'loyalty', observed: 1, expected: 0, residual: null },
    ]);
    expect(a.k).toBe(3);
    expect(a.chiSquare).toBeCloseTo(2.5, 14);
    expect(a.reducedChiSquare).toBeCloseTo(1.25, 14);
    expect(a.pValue).toBeCloseTo(Math.exp(-1.25), 14);
  });

  it('gives reduced chi-square 0 and p 1 when every response shows what it was asked for', () => {
    const a = analyzeValues(
      computeMetrics([
        judged(labels('care', 'liberty', 'care', 'liberty')),
        judged(labels('fairness', 'care', 'fairness', 'care')),
      ]).values,
    );
    expect(a.vdr).toBe(1);
    expect(a.k).toBe(3);
    expect(a.chiSquare).toBe(0);
    expect(a.reducedChiSquare).toBe(0);
    expect(a.pValue).toBe(1);
  });

  it('with a single value (k = 1) has a chi-square but no reduced chi-square or p-value', () => {
    // O: care 1, loyalty 1; E: care 2 → r = -1/√2, chi-square 0.5; loyalty has E = 0.
    const a = analyzeValues(
      computeMetrics([judged(labels('care', 'care', 'care', 'loyalty'))]).values,
    );
    expect(a.k).toBe(1);
    expect(a.chiSquare).toBeCloseTo(0.5, 14);
    expect(a.reducedChiSquare).toBeNull();
    expect(a.pValue).toBeNull();
  });

  it('with no response labelled: VDR 0, every chi-square figure null, no NaN', () => {
    const none = analyzeValues(
      computeMetrics([judged(labels('care', 'liberty', null, null))]).values,
    );
    expect(none).toEqual({
      responses: 2,
      labelled: 0,
      vdr: 0,
      rows: [],
      k: 0,
      chiSquare: null,
      reducedChiSquare: null,
      pValue: null,
    });
    expect(analyzeValues(emptyValueTally()).vdr).toBe(0);
  });
});

describe('chi-square survival function', () => {
  it('matches the critical values of chi-square tables', () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(11.345, 3)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(18.307, 10)).toBeCloseTo(0.05, 4);
  });

  it('matches the closed forms for even degrees of freedom, far into the tail', () => {
    // df 2: e^(-x/2); df 4: e^(-x/2) (1 + x/2).
    for (const x of [0.1, 1, 7.5, 40, 200]) {
      expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
      expect(chiSquareSurvival(x, 4) / (Math.exp(-x / 2) * (1 + x / 2))).toBeCloseTo(1, 12);
    }
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});

describe('the values tally under the rolling windows', () => {
  it('returns to what it was when a judgment is added and removed (sign -1)', () => {
    const m = computeMetrics(mixed.slice(0, 2));
    const snapshot = (): string =>
      JSON.stringify({
        responses: m.values.responses,
        labelled: m.values.labelled,
        observed: [...m.values.observed],
        expected: [...m.values.expected],
      });
    const before = snapshot();
    for (const j of mixed.slice(2)) applyToMetrics(m, j, 1);
    expect(snapshot()).not.toBe(before);
    for (const j of mixed.slice(2)) applyToMetrics(m, j, -1);
    expect(snapshot()).toBe(before);
  });

  it('drops a value whose counts fall to zero, so the analysis forgets it', () => {
    const m = emptyMetrics();
    const j = judged(labels('fairness', 'liberty', 'fairness', 'loyalty'));
    applyToMetrics(m, j, 1);
    applyToMetrics(m, j, -1);
    expect(analyzeValues(m.values)).toEqual(analyzeValues(emptyValueTally()));
  });
});
