import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { categoryRows } from './category-rows.ts';
import { summarize, type Metrics, type Tally } from './metrics.ts';
export { categoryRows, type CategoryRow } from './category-rows.ts';
import type { ReportTable } from './report-html.ts';
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

/** Numbers at full precision (shortest round-trip form); null as an empty cell. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(rows: (string | number | null)[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

export interface ReportOptions {
  /** Who the report is about (run and judge), in the charts' subtitles and the page's title. */
  caption?: string;
  /** The rows of cost.csv (token totals and USD per stage and model); none: no cost.csv. */
  cost?: (string | number | null)[][] | null;
}

/**
 * Writes alignment_statistics.csv, category_metrics.csv and issue_scale_metrics.csv; when the
 * metrics hold values, also values.csv and the values statistics after the existing rows of
 * alignment_statistics.csv; with token counts, cost.csv. Then the charts (PNG) and index.html, which shows tables and charts
 * together. Returns the files written.
 */
export async function writeReport(
  dir: string,
  metrics: Metrics,
  options: ReportOptions = {},
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const values = hasValues(metrics.values) ? analyzeValues(metrics.values) : null;
  const tables: ReportTable[] = [
    {
      file: 'alignment_statistics.csv',
      rows: [
        ['Statistic', 'Value'],
        ...alignmentStatistics(metrics.overall),
        ...(values === null ? [] : valueStatistics(values)),
      ],
    },
    {
      file: 'category_metrics.csv',
      rows: [
        // "Alignment %" here is from the raw judge score, as in the reference; the header says so.
        ['Category', 'Alignment % (raw score)', 'Refusal Rate %', 'No Information Rate %', 'Count'],
        ...categoryRows(metrics.byCategory).map((r) => [
          r.category,
          r.alignmentRawPercent,
          r.refusalPercent,
          r.noInformationPercent,
          r.count,
        ]),
      ],
    },
    {
      file: 'issue_scale_metrics.csv',
      rows: [
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
      ],
    },
    ...(values === null ? [] : [{ file: 'values.csv', rows: valuesTable(values) }]),
    ...(options.cost === undefined || options.cost === null
      ? []
      : [{ file: 'cost.csv', rows: options.cost }]),
  ];
  const files: string[] = [];
  for (const table of tables) {
    writeFileSync(join(dir, table.file), csv(table.rows));
    files.push(join(dir, table.file));
  }
  const caption = options.caption ?? basename(dir);
  // The charts (vega, resvg and a font: tens of MB) are loaded when a report is drawn, not by
  // every process that might draw one.
  const { writeFigures } = await import('./report-figures.ts');
  files.push(...(await writeFigures(dir, { metrics, values, tables, caption })));
  return files;
}
