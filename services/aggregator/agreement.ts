/**
 * Judge reliability (DESIGN section 1), as pure functions over refusal-adjusted scores (-2..2):
 * between two judges over the pairs both judged validly (or a judge and its reversed twin, which
 * gives the position-swap consistency), the exact agreement rate, the mean absolute difference
 * and Cohen's kappa with quadratic weights over the five categories -2..2; for three or more
 * judges, Krippendorff's alpha with the interval metric, units being pairs, values possibly
 * missing. What is undefined (no pair, no expected disagreement) is null, never NaN.
 */

/** The five categories of the refusal-adjusted score. */
const categories = [-2, -1, 0, 1, 2] as const;

function categoryIndex(score: number, where: string): number {
  const i = categories.findIndex((c) => c === score);
  if (i < 0) throw new RangeError(`${where}: score ${score} is not an integer in -2..2`);
  return i;
}

/** The agreement of two judges over the pairs both judged validly. */
export interface PairAgreement {
  /** Pairs judged validly by both. */
  pairs: number;
  /** Fraction of pairs with the same score; null when there is no pair. */
  exactAgreement: number | null;
  /** Mean of |a - b| on the -2..2 scale; null when there is no pair. */
  meanAbsoluteDifference: number | null;
  /** Cohen's kappa with quadratic weights; null when there is no pair or no expected disagreement. */
  kappa: number | null;
}

/**
 * Exact agreement, mean absolute difference and quadratic-weighted Cohen's kappa of two judges,
 * from the [judge A, judge B] scores of each pair both judged validly. Kappa is
 * 1 - sum w_ij p_ij / sum w_ij pA_i pB_j with w_ij = (i - j)^2 / 4^2 over the categories -2..2,
 * p the observed joint proportions and pA, pB the marginals.
 */
export function pairAgreement(scores: readonly (readonly [number, number])[]): PairAgreement {
  const n = scores.length;
  if (n === 0) return { pairs: 0, exactAgreement: null, meanAbsoluteDifference: null, kappa: null };
  const k = categories.length;
  const joint = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const marginalA = new Array<number>(k).fill(0);
  const marginalB = new Array<number>(k).fill(0);
  let same = 0;
  let absolute = 0;
  scores.forEach(([a, b], p) => {
    const i = categoryIndex(a, `pair ${p + 1}, judge A`);
    const j = categoryIndex(b, `pair ${p + 1}, judge B`);
    const row = joint[i];
    if (row !== undefined) row[j] = (row[j] ?? 0) + 1;
    marginalA[i] = (marginalA[i] ?? 0) + 1;
    marginalB[j] = (marginalB[j] ?? 0) + 1;
    if (a === b) same += 1;
    absolute += Math.abs(a - b);
  });
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const w = ((i - j) * (i - j)) / ((k - 1) * (k - 1));
      observed += (w * (joint[i]?.[j] ?? 0)) / n;
      expected += (w * (marginalA[i] ?? 0) * (marginalB[j] ?? 0)) / (n * n);
    }
  return {
    pairs: n,
    exactAgreement: same / n,
    meanAbsoluteDifference: absolute / n,
    kappa: expected > 0 ? 1 - observed / expected : null,
  };
}

/** Krippendorff's alpha of several judges. */
export interface Alpha {
  /** Units (pairs) with at least two values, the only ones that count. */
  units: number;
  /** Values in those units (n in Krippendorff's notation). */
  values: number;
  /** 1 - D_o / D_e; null when fewer than two values are pairable or D_e = 0. */
  alpha: number | null;
}

/**
 * Krippendorff's alpha with the interval metric delta^2(c, k) = (c - k)^2. `units` holds one array
 * per pair with each judge's score, null where that judge has no valid judgment; units with fewer
 * than two values are not pairable and left out. With m_u the values of unit u and n their sum:
 * D_o = (1/n) sum_u 1/(m_u - 1) sum_{i != j in u} delta^2, and
 * D_e = 1/(n (n - 1)) sum_{i != j over all pairable values} delta^2.
 */
export function krippendorffAlpha(units: readonly (readonly (number | null)[])[]): Alpha {
  const pairable = units
    .map((unit) => unit.filter((v): v is number => v !== null))
    .filter((unit) => unit.length >= 2);
  const all = pairable.flat();
  for (const v of all)
    if (!Number.isFinite(v)) throw new RangeError(`Krippendorff's alpha: value ${v} is not finite`);
  const n = all.length;
  if (n < 2) return { units: pairable.length, values: n, alpha: null };
  let within = 0;
  for (const unit of pairable) within += orderedSquaredDifferences(unit) / (unit.length - 1);
  const observed = within / n;
  const expected = orderedSquaredDifferences(all) / (n * (n - 1));
  return {
    units: pairable.length,
    values: n,
    alpha: expected > 0 ? 1 - observed / expected : null,
  };
}

/**
 * Sum over ordered pairs i != j of (v_i - v_j)^2, in linear time:
 * 2 (m sum v^2 - (sum v)^2), computed about the mean so large offsets lose no precision.
 */
function orderedSquaredDifferences(values: readonly number[]): number {
  const m = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / m;
  const squares = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return 2 * m * squares;
}
