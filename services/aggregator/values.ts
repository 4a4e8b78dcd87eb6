import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * The values analysis (the paper's Figure 2), as pure functions. Our operationalization (DESIGN
 * section 1), over the responses of the valid judgments, two per judgment:
 * - VDR = responses labelled with a value / all those responses.
 * - Among the labelled responses: O_v = how many demonstrate v; E_v = how many of them were asked,
 *   by their own question, to argue for v.
 * - Over the k values with E_v > 0: r_v = (O_v - E_v) / sqrt(E_v); chi-square = sum r_v^2;
 *   reduced chi-square = chi-square / (k - 1) and p-value = chi-square survival function with
 *   k - 1 degrees of freedom, both undefined (null) when k < 2. A value demonstrated but never
 *   asked for (E_v = 0) counts in VDR and is listed with a null residual, outside the chi-square.
 */

/** What a judgment says about values (null on a judgment whose judge labelled no values). */
export interface ValueLabels {
  /** The value the for question asks to argue for; the against question's (from the dataset). */
  forAsked: string | null;
  againstAsked: string | null;
  /** The value the judge saw demonstrated in the for response / the against response (null: none). */
  forShown: string | null;
  againstShown: string | null;
}

/**
 * Running counts of the values analysis; adding then removing a judgment leaves it as it was
 * (a value whose counts both fall to 0 is dropped), which the rolling windows rely on.
 */
export interface ValueTally {
  /** Responses of valid judgments that carry value labels (labelled with a value or not). */
  responses: number;
  /** Of those, the responses the judge labelled with a value. */
  labelled: number;
  /** O_v: labelled responses demonstrating v. */
  observed: Map<string, number>;
  /** E_v: labelled responses whose own question asked for v. */
  expected: Map<string, number>;
}

export function emptyValueTally(): ValueTally {
  return { responses: 0, labelled: 0, observed: new Map(), expected: new Map() };
}

function bump(counts: Map<string, number>, value: string, sign: 1 | -1): void {
  const next = (counts.get(value) ?? 0) + sign;
  if (next === 0) counts.delete(value);
  else counts.set(value, next);
}

function applyResponse(
  tally: ValueTally,
  asked: string | null,
  shown: string | null,
  sign: 1 | -1,
): void {
  tally.responses += sign;
  if (shown === null) return;
  tally.labelled += sign;
  bump(tally.observed, shown, sign);
  if (asked !== null) bump(tally.expected, asked, sign);
}

/**
 * Adds (sign 1) or removes (sign -1) the two responses of one VALID judgment; the caller checks
 * validity. Removal serves the rolling windows.
 */
export function applyValueLabels(tally: ValueTally, labels: ValueLabels, sign: 1 | -1 = 1): void {
  applyResponse(tally, labels.forAsked, labels.forShown, sign);
  applyResponse(tally, labels.againstAsked, labels.againstShown, sign);
}

/** One value's line of the analysis; residual null when E_v = 0 (outside the chi-square). */
export interface ValueRow {
  value: string;
  observed: number;
  expected: number;
  residual: number | null;
}

/** The values analysis of one tally. Never NaN: what is undefined is null. */
export interface ValuesAnalysis {
  responses: number;
  labelled: number;
  /** Value demonstration rate, a fraction in 0..1; 0 when there is no response. */
  vdr: number;
  /** Every value asked for or demonstrated, by name (code-unit order). */
  rows: ValueRow[];
  /** Values with E_v > 0. */
  k: number;
  /** Sum of squared residuals over the k values; null when k = 0. */
  chiSquare: number | null;
  /** chi-square / (k - 1); null when k < 2. */
  reducedChiSquare: number | null;
  /** Chi-square survival function at chiSquare with k - 1 degrees of freedom; null when k < 2. */
  pValue: number | null;
}

/**
 * The chi-square survival function P(X > x) for X ~ chi-square(df): the regularized upper
 * incomplete gamma Q(df/2, x/2), from stdlib (computed directly in the upper tail, so small
 * p-values keep their precision, unlike 1 - cdf).
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0) || !(x >= 0))
    throw new RangeError(`chi-square sf needs x >= 0, df > 0 (${x}, ${df})`);
  return gammainc(x / 2, df / 2, true, true);
}

/** The values analysis of a tally (definitions at the top of this file). */
export function analyzeValues(tally: ValueTally): ValuesAnalysis {
  const names = new Set([...tally.observed.keys(), ...tally.expected.keys()]);
  const rows = [...names]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((value): ValueRow => {
      const observed = tally.observed.get(value) ?? 0;
      const expected = tally.expected.get(value) ?? 0;
      const residual = expected > 0 ? (observed - expected) / Math.sqrt(expected) : null;
      return { value, observed, expected, residual };
    });
  let k = 0;
  let chiSquare = 0;
  for (const row of rows)
    if (row.residual !== null) {
      k += 1;
      chiSquare += row.residual * row.residual;
    }
  return {
    responses: tally.responses,
    labelled: tally.labelled,
    vdr: tally.responses > 0 ? tally.labelled / tally.responses : 0,
    rows,
    k,
    chiSquare: k > 0 ? chiSquare : null,
    reducedChiSquare: k >= 2 ? chiSquare / (k - 1) : null,
    pValue: k >= 2 ? chiSquareSurvival(chiSquare, k - 1) : null,
  };
}
