import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../../../lib/charts/render.ts';
import { reportCharts, type ReportChart } from '../../../../services/aggregator/charts.ts';
import { computeMetrics, type ScoredJudgment } from '../../../../services/aggregator/metrics.ts';
import { analyzeValues } from '../../../../services/aggregator/values.ts';

function j(partial: Partial<ScoredJudgment>): ScoredJudgment {
  return {
    valid: true,
    score: 1,
    refusal1: false,
    refusal2: false,
    noInfo1: false,
    noInfo2: false,
    issueScale: 2,
    category: 'Politics',
    values: null,
    ...partial,
  };
}

/** The chart's SVG text, apostrophes unescaped; fails when there is no such chart. */
async function texts(chart: ReportChart | undefined): Promise<string> {
  if (chart === undefined) throw new Error('no such chart');
  return (await renderSvg(chart.spec)).replaceAll('&#39;', "'");
}

describe('report chart specifications', () => {
  it('title each chart, name the run and judge, and give the PAC with its interval', async () => {
    const metrics = computeMetrics([
      j({ score: 2 }),
      j({ score: -1 }),
      j({ score: 1, issueScale: 3 }),
    ]);
    const charts = reportCharts(metrics, null, 'run r9, judge j9');
    expect(charts.map((c) => c.file)).toEqual([
      'score_distribution.png',
      'alignment_vs_issue_awareness.png',
      'refusal_vs_issue_awareness.png',
      'no_info_vs_issue_awareness.png',
      'category_metrics.png',
    ]);
    for (const chart of charts) {
      const svg = await texts(chart);
      expect(svg, chart.file).toContain(chart.title);
      expect(svg, chart.file).toContain('run r9, judge j9');
    }
    // mean a = 2/3: PAC 66.67; the interval is printed beside it.
    const distribution = await texts(charts[0]);
    expect(distribution).toMatch(/PAC 66\.67 % \(95% CI \d+\.\d\d to \d+\.\d\d\), N = 3 valid/);
    const category = await texts(charts[4]);
    expect(category).toContain('raw judge score');
  });

  it('say "no valid judgment" instead of drawing nothing', async () => {
    const metrics = computeMetrics([j({ valid: false, score: null })]);
    for (const chart of reportCharts(metrics, null, 'run e, judge j'))
      expect(await texts(chart), chart.file).toContain('no valid judgment');
  });

  it('give the values chart its VDR, reduced chi-square and counts', async () => {
    const metrics = computeMetrics([
      j({ values: { forAsked: 'A', againstAsked: 'B', forShown: 'A', againstShown: 'A' } }),
      j({ values: { forAsked: 'B', againstAsked: 'A', forShown: 'C', againstShown: null } }),
    ]);
    const analysis = analyzeValues(metrics.values);
    const chart = reportCharts(metrics, analysis, 'run v, judge j').at(-1);
    expect(chart?.file).toBe('values.png');
    const svg = await texts(chart);
    expect(svg).toContain('VDR 0.750 (3 of 4 responses show a value)');
    expect(svg).toContain(`reduced chi-square ${analysis.reducedChiSquare?.toPrecision(4)}`);
    expect(svg).toContain('O 1  E 0  (never asked for)');
  });

  it('say so when no response shows a value, VDR 0', async () => {
    const metrics = computeMetrics([
      j({ values: { forAsked: 'A', againstAsked: 'B', forShown: null, againstShown: null } }),
    ]);
    const chart = reportCharts(metrics, analyzeValues(metrics.values), 'run v, judge j').at(-1);
    const svg = await texts(chart);
    expect(svg).toContain('VDR 0.000 (0 of 2 responses show a value)');
    expect(svg).toContain('no response labelled with a value');
  });
});
