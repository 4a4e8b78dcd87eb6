import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../cli/commands/report.ts';
import { computeMetrics, type ScoredJudgment } from '../../../services/aggregator/metrics.ts';
import { analyzeValues } from '../../../services/aggregator/values.ts';

const taxonomy = ['autonomy', 'care', 'fairness', 'liberty', 'loyalty', 'tradition'];

/** A deterministic stream of pseudo-random integers (a 32-bit LCG), so the file is the same every run. */
function lcg(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
}

interface Spec {
  score: number;
  forAsked: string | null;
  againstAsked: string | null;
  forShown: string | null;
  againstShown: string | null;
  reversed: boolean;
}

function specs(count: number, seed: number): Spec[] {
  const next = lcg(seed);
  // A value or none (about one in four), drawn from the taxonomy.
  const pick = (): string | null =>
    next(4) === 0 ? null : (taxonomy[next(taxonomy.length)] ?? null);
  return Array.from({ length: count }, (_, i) => ({
    // Every 17th row scores -100: an output that did not parse, which must not count.
    score: i % 17 === 5 ? -100 : next(5) - 2,
    forAsked: i % 23 === 3 ? null : (taxonomy[next(4)] ?? null),
    againstAsked: taxonomy[next(taxonomy.length - 1)] ?? null,
    forShown: pick(),
    againstShown: pick(),
    reversed: next(3) === 0,
  }));
}

/** The row a judge writes: person 1 is the side it read first, the against side when reversed. */
function row(s: Spec, i: number): Record<string, unknown> {
  const person1 = s.reversed ? s.againstShown : s.forShown;
  const person2 = s.reversed ? s.forShown : s.againstShown;
  const output = {
    person_1_refusal: false,
    person_2_refusal: i % 11 === 0,
    person_1_has_no_information: false,
    person_2_has_no_information: false,
    alignment_score: s.score,
    // None is written as null, an empty string or blanks.
    person_1_value: person1 ?? (i % 2 === 0 ? null : ''),
    person_2_value: person2 ?? (i % 3 === 0 ? '  ' : null),
  };
  return {
    id: i,
    issue_scale: (i % 3) + 1,
    category: null,
    for_value: s.forAsked,
    against_value: s.againstAsked ?? '',
    reversed: s.reversed,
    // Half the rows carry the judge's fields nested as a JSON string, as stored runs may.
    ...(i % 2 === 0 ? output : { judge_output: JSON.stringify(output) }),
  };
}

function scored(s: Spec, i: number): ScoredJudgment {
  const valid = s.score >= -2 && s.score <= 2;
  return {
    valid,
    score: valid ? s.score : null,
    refusal1: false,
    refusal2: i % 11 === 0,
    noInfo1: false,
    noInfo2: false,
    issueScale: (i % 3) + 1,
    category: null,
    values: {
      forAsked: s.forAsked,
      againstAsked: s.againstAsked,
      forShown: s.forShown,
      againstShown: s.againstShown,
    },
  };
}

async function report(rows: readonly Record<string, unknown>[]) {
  const dir = mkdtempSync(join(tmpdir(), 'valbench-report-values-'));
  const input = join(dir, 'judged.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
  const out = join(dir, 'out');
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    expect(await reportCommand(['--input', input, '--out', out])).toBe(0);
  } finally {
    log.mockRestore();
  }
  const read = (name: string): string[][] | null =>
    existsSync(join(out, name))
      ? readFileSync(join(out, name), 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => l.split(','))
      : null;
  return {
    stats: read('alignment_statistics.csv') ?? [],
    values: read('values.csv'),
    output: lines.join('\n'),
  };
}

const cell = (text: string | undefined): number | null =>
  text === undefined || text === '' ? null : Number(text);

describe('valbench report: the values analysis', () => {
  const made = specs(300, 20251005);

  it('writes values.csv and appends the values statistics, equal to the pure functions', async () => {
    const { stats, values, output } = await report(made.map(row));
    const expected = analyzeValues(computeMetrics(made.map(scored)).values);
    expect(expected.k).toBeGreaterThanOrEqual(4);
    expect(expected.rows.some((r) => r.residual === null)).toBe(true); // tradition: never asked

    expect(values?.[0]).toEqual(['Value', 'Observed', 'Expected', 'Pearson residual']);
    expect(values?.slice(1).map((r) => r[0])).toEqual(expected.rows.map((r) => r.value));
    values?.slice(1).forEach((r, i) => {
      const e = expected.rows[i];
      expect([cell(r[1]), cell(r[2]), cell(r[3])]).toEqual([e?.observed, e?.expected, e?.residual]);
    });

    expect(stats.map((r) => r[0]).slice(15)).toEqual([
      'Value demonstration rate',
      'Chi-square',
      'Reduced chi-square',
      'Chi-square p-value',
      'Values (k)',
    ]);
    expect(stats[14]?.[0]).toBe('Mean alignment % 95% CI high');
    expect(stats.slice(15).map((r) => cell(r[1]))).toEqual([
      expected.vdr,
      expected.chiSquare,
      expected.reducedChiSquare,
      expected.pValue,
      expected.k,
    ]);
    expect(output).toContain(`k = ${expected.k}`);
  });

  it('reads person 1 as the against side on reversed rows', async () => {
    // O counts labels whatever the side, so the pairing shows in E: one reversed row whose
    // person 1 shows what the against question asked for.
    const one = [
      row(
        {
          score: 1,
          forAsked: 'care',
          againstAsked: 'liberty',
          forShown: null,
          againstShown: 'liberty',
          reversed: true,
        },
        1,
      ),
    ];
    const { values } = await report(one);
    // Labelled: the against response only (asked liberty, shows liberty). Read unreversed, the
    // label would sit on the for response (asked care): E care 1 instead of E liberty 1.
    expect(values?.slice(1)).toEqual([['liberty', '1', '1', '0']]);
  });

  it('without value columns writes no values.csv and says so', async () => {
    const plain = made.map((s, i) => {
      const r = row(s, i);
      delete r['for_value'];
      delete r['against_value'];
      return r;
    });
    const { stats, values, output } = await report(plain);
    expect(values).toBeNull();
    expect(stats).toHaveLength(15);
    expect(output).toContain(
      'no values analysis: the file lacks the column(s) for_value, against_value',
    );
  });
});
