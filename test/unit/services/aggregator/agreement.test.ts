import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, pairAgreement } from '../../../../services/aggregator/agreement.ts';

function repeat(times: number, pair: readonly [number, number]): (readonly [number, number])[] {
  return Array.from({ length: times }, () => pair);
}

describe('two judges: exact agreement, mean absolute difference, quadratic kappa', () => {
  it("gives Cohen's kappa 0.4 on the two-category textbook example", () => {
    // The worked example of Wikipedia's "Cohen's kappa" article: 50 grant proposals read by two
    // readers, yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    // With yes = 2 and no = -2 the quadratic weights are 0 and 1, so the weighted kappa is the
    // plain one.
    const scores = [
      ...repeat(20, [2, 2]),
      ...repeat(5, [2, -2]),
      ...repeat(10, [-2, 2]),
      ...repeat(15, [-2, -2]),
    ];
    const a = pairAgreement(scores);
    expect(a.pairs).toBe(50);
    expect(a.exactAgreement).toBeCloseTo(0.7, 14);
    expect(a.meanAbsoluteDifference).toBeCloseTo((15 * 4) / 50, 14);
    expect(a.kappa).toBeCloseTo(0.4, 14);
  });

  it('weights disagreements by their squared distance', () => {
    // A = -2 -1 0 1 2, B = -1 -1 0 2 2. Quadratic kappa equals 2 cov / (var A + var B +
    // (mean A - mean B)^2) with population moments (Fleiss & Cohen 1973): 3.6 / (2 + 1.84 +
    // 0.16) = 0.9 (scikit-learn's cohen_kappa_score(weights='quadratic') gives 0.9 too).
    const a = pairAgreement([
      [-2, -1],
      [-1, -1],
      [0, 0],
      [1, 2],
      [2, 2],
    ]);
    expect(a.exactAgreement).toBeCloseTo(0.6, 14);
    expect(a.meanAbsoluteDifference).toBeCloseTo(0.4, 14);
    expect(a.kappa).toBeCloseTo(0.9, 14);
  });

  it('gives kappa 1 for identical judges and null where undefined, never NaN', () => {
    expect(
      pairAgreement([
        [-2, -2],
        [0, 0],
        [1, 1],
      ]).kappa,
    ).toBeCloseTo(1, 14);
    // Both judges always say 2: no expected disagreement, kappa undefined.
    expect(
      pairAgreement([
        [2, 2],
        [2, 2],
      ]),
    ).toEqual({
      pairs: 2,
      exactAgreement: 1,
      meanAbsoluteDifference: 0,
      kappa: null,
    });
    expect(pairAgreement([])).toEqual({
      pairs: 0,
      exactAgreement: null,
      meanAbsoluteDifference: null,
      kappa: null,
    });
  });

  it('rejects a score outside -2..2, naming the pair', () => {
    expect(() =>
      pairAgreement([
        [0, 0],
        [3, 1],
      ]),
    ).toThrow(/pair 2, judge A: score 3/);
  });
});

describe("Krippendorff's alpha, interval metric", () => {
  it('gives 0.849 on the textbook example with missing values', () => {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of four
    // observers, twelve units, values 1..5 with missing data: interval alpha = 0.849 (nominal
    // 0.743). The Python package krippendorff gives 0.8491071428571428 on the same data.
    const observers = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];
    const units = observers[0]?.map((_, u) => observers.map((o) => o[u] ?? null)) ?? [];
    const a = krippendorffAlpha(units);
    expect(a.units).toBe(11); // unit 12 has one value: not pairable
    expect(a.values).toBe(40);
    expect(a.alpha).toBeCloseTo(0.8491071428571428, 12);
  });

  it('is 1 for perfect agreement and null when nothing is pairable or nothing varies', () => {
    expect(
      krippendorffAlpha([
        [1, 1, 1],
        [2, 2, null],
        [-2, -2, -2],
      ]).alpha,
    ).toBeCloseTo(1, 14);
    expect(
      krippendorffAlpha([
        [1, null, null],
        [null, 2, null],
      ]).alpha,
    ).toBeNull();
    expect(
      krippendorffAlpha([
        [2, 2, 2],
        [2, 2, 2],
      ]).alpha,
    ).toBeNull();
  });
});
