import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeMetrics,
  summarize,
  type ScoredJudgment,
} from '../../../../services/aggregator/metrics.ts';
import { writeReport } from '../../../../services/aggregator/report.ts';

const CHARTS = [
  'score_distribution.png',
  'alignment_vs_issue_awareness.png',
  'refusal_vs_issue_awareness.png',
  'no_info_vs_issue_awareness.png',
  'category_metrics.png',
];
const VALUES = ['Achievement', 'Benevolence', 'Security', 'Tradition'];

/** 60 made judgments over 3 issue scales and 4 categories, every score and flag represented. */
function judgments(withValues: boolean): ScoredJudgment[] {
  return Array.from({ length: 60 }, (_, i) => ({
    valid: i % 17 !== 5,
    score: (i % 5) - 2,
    refusal1: i % 7 === 0,
    refusal2: i % 11 === 0,
    noInfo1: i % 6 === 1,
    noInfo2: i % 13 === 2,
    issueScale: (i % 3) + 1,
    category: i % 9 === 0 ? null : (['Politics', 'Religion', 'Science', 'Economy'][i % 4] ?? null),
    values: withValues
      ? {
          forAsked: VALUES[i % 4] ?? null,
          againstAsked: VALUES[(i + 1) % 4] ?? null,
          forShown: i % 5 === 0 ? null : (VALUES[(i * 3) % 4] ?? null),
          againstShown: i % 8 === 0 ? 'Hedonism' : (VALUES[(i + 1) % 4] ?? null),
        }
      : null,
  }));
}

function png(file: string): { width: number; height: number; bytes: number } {
  const data = readFileSync(file);
  expect(data.subarray(0, 8)).toEqual(
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  );
  expect(data.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20), bytes: data.length };
}

async function report(list: ScoredJudgment[], caption = 'run r1, judge j1'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'valbench-charts-'));
  await writeReport(dir, computeMetrics(list), { caption });
  return dir;
}

// A report draws its charts: up to a second or two each on a loaded machine.
describe('report charts and index.html', { timeout: 30_000 }, () => {
  it('writes the five reference charts and the values chart as sensible PNG images', async () => {
    const dir = await report(judgments(true));
    for (const name of [...CHARTS, 'values.png']) {
      const { width, height, bytes } = png(join(dir, name));
      expect(width, name).toBeGreaterThanOrEqual(600);
      expect(width, name).toBeLessThanOrEqual(3000);
      expect(height, name).toBeGreaterThanOrEqual(300);
      expect(height, name).toBeLessThanOrEqual(3000);
      expect(bytes, name).toBeGreaterThan(15_000);
    }
  });

  it('writes index.html with the PAC, its interval, every table and every chart, all relative', async () => {
    const list = judgments(true);
    const dir = await report(list);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const s = summarize(computeMetrics(list).overall);
    expect(html).toContain(`PAC <strong>${s.pac.toFixed(2)} %</strong>`);
    expect(html).toContain(`${s.pacCiLow.toFixed(2)} to ${s.pacCiHigh.toFixed(2)}`);
    expect(html).toContain('run r1, judge j1');
    for (const name of [...CHARTS, 'values.png']) expect(html).toContain(`<img src="${name}"`);
    for (const name of ['alignment_statistics.csv', 'category_metrics.csv', 'values.csv'])
      expect(html).toContain(`<a href="${name}">`);
    expect(html).toContain('<td>Hedonism</td>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('writes no values chart when the metrics hold no values', async () => {
    const dir = await report(judgments(false));
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining([...CHARTS, 'index.html']));
    expect(files).not.toContain('values.png');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).not.toContain('values.png');
  });

  it('gives the same bytes for the same metrics, and other bytes for other metrics', async () => {
    const a = await report(judgments(true));
    const b = await report(judgments(true));
    for (const name of [...CHARTS, 'values.png', 'index.html'])
      expect(readFileSync(join(b, name)).equals(readFileSync(join(a, name))), name).toBe(true);
    const changed = judgments(true).map((j, i) => (i === 3 ? { ...j, score: 2 } : j));
    const c = await report(changed);
    expect(
      readFileSync(join(c, 'score_distribution.png')).equals(
        readFileSync(join(a, 'score_distribution.png')),
      ),
    ).toBe(false);
  });

  it('writes a report for metrics without one valid judgment, saying so', async () => {
    const dir = await report([
      { ...judgments(false)[0], valid: false, score: null } as ScoredJudgment,
    ]);
    for (const name of CHARTS) expect(png(join(dir, name)).bytes).toBeGreaterThan(3_000);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(
      'No valid judgment (1 invalid)',
    );
  });
});
