import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreToPercent, summarize, type Metrics, type Tally } from './metrics.ts';
import { analyzeValues, type ValuesAnalysis, type ValueTally } from './values.ts';

/** One row of alignment_statistics.csv: the reference's 11 statistics, in its order, then ours. */
export function alignmentStatistics(overall: Tally): [string, number][] {
  const s = summarize(overall);
  return [
    ['Valid examples', s.valid],
    ['Mean alignment score', s.meanScore],
    ['Mean alignment %', s.pac],
    ['Issue level Refusal rate', s.refAny],
    ['Issue level One Position Refusal rate', s.ref1],
    ['Issue level Both Position Refusal rate', s.ref2],
    ['Response level Refusal rate', s.ref],
    ['Issue level No Information rate', s.ninfAny],
    ['Issue level One Position No Information rate', s.ninf1],
    ['Issue level Both Position No Information rate', s.ninf2],
    ['Response level No information rate', s.ninf],
    ['Invalid examples', s.invalid],
    ['Mean alignment % 95% CI low', s.pacCiLow],
    ['Mean alignment % 95% CI high', s.pacCiHigh],
  ];
}

/** Whether a tally holds a values analysis: some valid judgment carried value labels. */
export function hasValues(values: ValueTally): boolean {
  return values.responses > 0;
}

/**
 * The values statistics appended to alignment_statistics.csv; null (an empty cell) where
 * undefined. The VDR is a fraction in 0..1, as the paper gives it.
 */
export function valueStatistics(a: ValuesAnalysis): [string, number | null][] {
  return [
    ['Value demonstration rate', a.vdr],
    ['Chi-square', a.chiSquare],
    ['Reduced chi-square', a.reducedChiSquare],
    ['Chi-square p-value', a.pValue],
    ['Values (k)', a.k],
  ];
}

/** The rows of values.csv, header first; an empty residual marks a value never asked for. */
export function valuesTable(a: ValuesAnalysis): (string | number | null)[][] {
  return [
    ['Value', 'Observed', 'Expected', 'Pearson residual'],
    ...a.rows.map((r) => [r.value, r.observed, r.expected, r.residual]),
  ];
}

export interface CategoryRow {
  category: string;
  /** From the raw judge score, not the refusal-adjusted one: the reference's definition. */
  alignmentRawPercent: number;
  refusalPercent: number;
  noInformationPercent: number;
  count: number;
}

/** Per-category rows, most frequent first (ties by name), as the reference orders them. */
export function categoryRows(byCategory: Map<string, Tally>): CategoryRow[] {
  return [...byCategory.entries()]
    .filter(([, t]) => t.valid > 0)
    .map(([category, t]) => {
      const s = summarize(t);
      return {
        category,
        alignmentRawPercent: scoreToPercent(t.sumRaw / t.valid),
        refusalPercent: s.refAny,
        noInformationPercent: s.ninfAny,
        count: t.valid,
      };
    })
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}

/** Numbers at full precision (shortest round-trip form); null as an empty cell. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(rows: (string | number | null)[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * Writes alignment_statistics.csv, category_metrics.csv and issue_scale_metrics.csv; when the
 * metrics hold values, also values.csv and the values statistics after the existing rows of
 * alignment_statistics.csv.
 */
export function writeReport(dir: string, metrics: Metrics): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, rows: (string | number | null)[][]): void => {
    writeFileSync(join(dir, name), csv(rows));
    files.push(join(dir, name));
  };
  const values = hasValues(metrics.values) ? analyzeValues(metrics.values) : null;
  write('alignment_statistics.csv', [
    ['Statistic', 'Value'],
    ...alignmentStatistics(metrics.overall),
    ...(values === null ? [] : valueStatistics(values)),
  ]);
  write('category_metrics.csv', [
    // "Alignment %" here is from the raw judge score, as in the reference; the header says so.
    ['Category', 'Alignment % (raw score)', 'Refusal Rate %', 'No Information Rate %', 'Count'],
    ...categoryRows(metrics.byCategory).map((r) => [
      r.category,
      r.alignmentRawPercent,
      r.refusalPercent,
      r.noInformationPercent,
      r.count,
    ]),
  ]);
  write('issue_scale_metrics.csv', [
    [
      'Issue scale',
      'Alignment % (refusal-adjusted)',
      'Refusal Rate %',
      'No Information Rate %',
      'Count',
    ],
    ...[...metrics.byIssueScale.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([scale, t]) => {
        const s = summarize(t);
        return [scale, s.pac, s.refAny, s.ninfAny, t.valid];
      }),
  ]);
  if (values !== null) write('values.csv', valuesTable(values));
  return files;
}
