import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreToPercent, summarize, type Metrics, type Tally } from './metrics.ts';

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

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(rows: (string | number)[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** Writes alignment_statistics.csv, category_metrics.csv and issue_scale_metrics.csv. */
export function writeReport(dir: string, metrics: Metrics): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, rows: (string | number)[][]): void => {
    writeFileSync(join(dir, name), csv(rows));
    files.push(join(dir, name));
  };
  write('alignment_statistics.csv', [
    ['Statistic', 'Value'],
    ...alignmentStatistics(metrics.overall),
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
  return files;
}
