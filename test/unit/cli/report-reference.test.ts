/**
 * `valbench report` on the reference's own evaluation dataset, as the reference writes it: parquet
 * as pushed to the hub and a save_to_disk folder, both built here (test/support), with -100 for
 * unparseable judge outputs. The report must equal the metrics computed from the same verdicts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../cli/commands/report.ts';
import {
  computeMetrics,
  summarize,
  type ScoredJudgment,
} from '../../../services/aggregator/metrics.ts';
import { writeReport } from '../../../services/aggregator/report.ts';
import {
  referenceParquet,
  unparsed,
  writeSaveToDisk,
  type ReferenceEvaluationRow,
} from '../../support/reference-datasets.ts';

const categories = ['politics', 'science', null];

/** 14 verdicts with every flag combination spread over them; rows 4 and 11 did not parse. */
const verdicts: ScoredJudgment[] = Array.from({ length: 14 }, (_, i) => ({
  valid: i !== 4 && i !== 11,
  score: i === 4 || i === 11 ? null : ((i * 7) % 5) - 2,
  refusal1: i % 4 === 1,
  refusal2: i % 6 === 1 || i % 9 === 5,
  noInfo1: i % 5 === 3,
  noInfo2: i % 7 === 2,
  issueScale: (i % 3) + 1,
  category: categories[i % 3] ?? null,
  values: null,
}));

function evaluationRow(v: ScoredJudgment, i: number): ReferenceEvaluationRow {
  const parsed =
    v.score === null
      ? unparsed
      : {
          person_1_core_position: `position ${i} one`,
          person_1_has_no_information: v.noInfo1,
          person_1_refusal: v.refusal1,
          person_2_core_position: `position ${i} two`,
          person_2_has_no_information: v.noInfo2,
          person_2_refusal: v.refusal2,
          key_points_of_alignment: 'some',
          key_points_of_opposition: 'others',
          alignment_score: v.score,
        };
  return {
    id: 100 + i,
    article_title: `Article ${i}`,
    issue_scale: v.issueScale,
    category: v.category,
    issue_description: `Issue ${i}`,
    for_question: `For ${i}?`,
    against_question: `Against ${i}?`,
    for_response: { content: `yes ${i}`, role: 'assistant' },
    against_response: { content: `no ${i}`, role: 'assistant' },
    evaluation_prompt: [{ content: `judge pair ${i}`, role: 'user' }],
    // Row 11's raw text is JSON with a score, yet the reference stored -100: its verdict stands.
    alignment_judge_response: {
      content:
        v.score === null && i === 4
          ? 'not json'
          : JSON.stringify({ ...parsed, alignment_score: v.score ?? 2 }),
      role: 'assistant',
    },
    alignment_score: v.score ?? -100,
    alignment_judge_parsed: parsed,
  };
}

const rows = verdicts.map(evaluationRow);

async function report(input: string): Promise<{ out: string; printed: string }> {
  const out = mkdtempSync(join(tmpdir(), 'valbench-report-'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await reportCommand(['--input', input, '--out', out])).toBe(0);
    return { out, printed: log.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
  }
}

/** The report files computed straight from the verdicts, for comparison. */
async function expectedReport(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'valbench-expected-'));
  await writeReport(dir, computeMetrics(verdicts));
  return dir;
}

function sameReport(actual: string, expected: string): void {
  for (const file of [
    'alignment_statistics.csv',
    'category_metrics.csv',
    'issue_scale_metrics.csv',
  ])
    expect(readFileSync(join(actual, file), 'utf8')).toBe(
      readFileSync(join(expected, file), 'utf8'),
    );
}

// Each test writes two reports, charts included: seconds on a loaded machine.
describe('valbench report on the reference evaluation dataset', { timeout: 30_000 }, () => {
  const summary = summarize(computeMetrics(verdicts).overall);

  it('the verdicts cover what the test means to check', () => {
    expect(summary.valid).toBe(12);
    expect(summary.invalid).toBe(2);
    expect(summary.ref1).toBeGreaterThan(0);
    expect(summary.ref2).toBeGreaterThan(0);
    expect(summary.ninf1).toBeGreaterThan(0);
  });

  it('reads it as parquet (nested structs, -100 rows counted invalid)', async () => {
    const input = join(mkdtempSync(join(tmpdir(), 'valbench-ref-')), 'evaluation.parquet');
    writeFileSync(input, referenceParquet(rows));
    const { out, printed } = await report(input);
    expect(printed).toContain(`14 rows: 12 valid, 2 invalid; PAC ${summary.pac.toFixed(2)} %`);
    sameReport(out, await expectedReport());
  });

  it('reads it as a save_to_disk folder (Arrow stream file + dataset_info.json + state.json)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'valbench-ref-')), 'evaluation');
    writeSaveToDisk(dir, rows);
    const { out, printed } = await report(dir);
    expect(printed).toContain(`14 rows: 12 valid, 2 invalid; PAC ${summary.pac.toFixed(2)} %`);
    sameReport(out, await expectedReport());
  });

  it('refuses a file with no valid judgment, naming the columns found and looked for', async () => {
    const input = join(mkdtempSync(join(tmpdir(), 'valbench-ref-')), 'none-valid.parquet');
    writeFileSync(
      input,
      referenceParquet(
        rows.map((r) => ({ ...r, alignment_score: -100, alignment_judge_parsed: unparsed })),
      ),
    );
    const failure = reportCommand(['--input', input, '--out', mkdtempSync(join(tmpdir(), 'x-'))]);
    await expect(failure).rejects.toThrow(/14 rows and not one valid judgment/);
    await expect(failure).rejects.toThrow(/14 × alignment_score -100 outside -2..2/);
    await expect(failure).rejects.toThrow(
      /Columns found: id, article_title, .*alignment_judge_parsed\.person_1_refusal/,
    );
    await expect(failure).rejects.toThrow(/Looked for: alignment_score .*person_1_refusal/);
    await expect(failure).rejects.not.toThrow(/NaN/);
  });
});
