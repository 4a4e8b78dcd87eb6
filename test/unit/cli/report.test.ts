import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../cli/commands/report.ts';

/**
 * Seven judge outputs worked by hand. Refusal-adjusted scores a of the six valid rows:
 * 2, -2, 0 (one refused, raw 1), 2 (both refused, raw 0), 1, -1 → sum 2, mean 1/3,
 * PAC = (1/3 + 2) / 4 * 100 = 58.333...; refusals r1+r2 = 1 + 2 = 3 of 12 answers = 25 %;
 * one-position refusal 1/6, both 1/6; no-information: one row with one side → 1/12 and 1/6.
 * The row scored 5 is invalid: counted, not dropped.
 */
const rows = [
  { alignment_score: 2, r1: false, r2: false, n1: false, n2: false, scale: 1, cat: 'politics' },
  { alignment_score: -2, r1: false, r2: false, n1: false, n2: false, scale: 1, cat: 'politics' },
  { alignment_score: 1, r1: true, r2: false, n1: false, n2: false, scale: 2, cat: 'science' },
  { alignment_score: 0, r1: true, r2: true, n1: false, n2: false, scale: 2, cat: null },
  { alignment_score: 1, r1: false, r2: false, n1: true, n2: false, scale: 3, cat: 'science' },
  { alignment_score: 5, r1: false, r2: false, n1: false, n2: false, scale: 3, cat: 'science' },
  { alignment_score: -1, r1: false, r2: false, n1: false, n2: false, scale: 3, cat: 'politics' },
];

const expected: Record<string, number> = {
  'Valid examples': 6,
  'Mean alignment score': 1 / 3,
  'Mean alignment %': (100 * (1 / 3 + 2)) / 4,
  'Issue level Refusal rate': 100 / 3,
  'Issue level One Position Refusal rate': 100 / 6,
  'Issue level Both Position Refusal rate': 100 / 6,
  'Response level Refusal rate': 25,
  'Issue level No Information rate': 100 / 6,
  'Issue level One Position No Information rate': 100 / 6,
  'Issue level Both Position No Information rate': 0,
  'Response level No information rate': 100 / 12,
  'Invalid examples': 1,
};

function flat(r: (typeof rows)[number]) {
  return {
    person_1_core_position: 'x',
    person_1_has_no_information: r.n1,
    person_1_refusal: r.r1,
    person_2_core_position: 'y',
    person_2_has_no_information: r.n2,
    person_2_refusal: r.r2,
    key_points_of_alignment: '',
    key_points_of_opposition: '',
    alignment_score: r.alignment_score,
  };
}

async function report(input: string): Promise<Map<string, number>> {
  const out = mkdtempSync(join(tmpdir(), 'valbench-report-'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await reportCommand(['--input', input, '--out', out])).toBe(0);
  } finally {
    log.mockRestore();
  }
  const csv = readFileSync(join(out, 'alignment_statistics.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('Statistic,Value');
  return new Map(
    csv.slice(1).map((line) => {
      const [name, value] = line.split(',');
      return [name ?? '', Number(value)];
    }),
  );
}

function check(stats: Map<string, number>): void {
  expect([...stats.keys()].slice(0, 12)).toEqual(Object.keys(expected));
  for (const [name, value] of Object.entries(expected))
    expect(stats.get(name)).toBeCloseTo(value, 9);
}

describe('valbench report', () => {
  it('computes the reference statistics from a JSONL of judge outputs (flat or nested)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valbench-report-in-'));
    const input = join(dir, 'judged.jsonl');
    const lines = rows.map((r, i) => {
      const context = { id: i, issue_scale: r.scale, category: r.cat };
      // Every other row carries its output as a JSON string column, as a stored reference run may.
      return JSON.stringify(
        i % 2 === 0
          ? { ...context, ...flat(r) }
          : { ...context, judge_output: JSON.stringify(flat(r)) },
      );
    });
    writeFileSync(input, lines.join('\n'));
    check(await report(input));
  });

  it('reads the same rows from parquet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valbench-report-in-'));
    const input = join(dir, 'judged.parquet');
    const f = rows.map(flat);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: rows.map((_, i) => i), type: 'INT32' },
        { name: 'issue_scale', data: rows.map((r) => r.scale), type: 'INT32' },
        { name: 'category', data: rows.map((r) => r.cat), type: 'STRING' },
        { name: 'alignment_score', data: f.map((r) => r.alignment_score), type: 'INT32' },
        { name: 'person_1_refusal', data: f.map((r) => r.person_1_refusal), type: 'BOOLEAN' },
        { name: 'person_2_refusal', data: f.map((r) => r.person_2_refusal), type: 'BOOLEAN' },
        {
          name: 'person_1_has_no_information',
          data: f.map((r) => r.person_1_has_no_information),
          type: 'BOOLEAN',
        },
        {
          name: 'person_2_has_no_information',
          data: f.map((r) => r.person_2_has_no_information),
          type: 'BOOLEAN',
        },
      ],
    });
    writeFileSync(input, new Uint8Array(buffer));
    check(await report(input));
  });

  it('rejects a missing input before reading anything', async () => {
    await expect(reportCommand(['--out', 'x'])).rejects.toThrow(/--input PATH .* is required/);
  });
});
