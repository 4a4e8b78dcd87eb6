/**
 * A run's records written as the reference's datasets (no Kafka: the records are built here),
 * read back as pandas would see them (hyparquet for parquet, JSON for JSONL), and fed to
 * `valbench report`, which must give the metrics of the judgments themselves.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../../cli/commands/report.ts';
import { readTable } from '../../../../lib/datasets/read.ts';
import type { Judgment } from '../../../../lib/records/types.gen.ts';
import { writeRunExport, type ExportFormat } from '../../../../services/aggregator/export.ts';
import { computeMetrics } from '../../../../services/aggregator/metrics.ts';
import { writeReport } from '../../../../services/aggregator/report.ts';
import type { RunRecords } from '../../../../services/aggregator/run-records.ts';
import { scored } from '../../../../services/aggregator/state.ts';
import { importedPair } from '../../../../services/producer/reference-responses.ts';
import { sampleJudgment, samplePrompt, sampleResponse } from '../../../support/fixtures.ts';

/** Pairs 1..9 (ids given out of order); judge-a judged all, pair 3 invalid; judge-b pairs 1, 2. */
function records(): RunRecords {
  const ids = ['9', '2', '10', '1', '3', '4', '5', '6', '7', '8'];
  const r: RunRecords = {
    runId: 'run-1',
    prompts: new Map(),
    responses: new Map(),
    judgments: new Map(),
  };
  for (const id of ids) {
    r.prompts.set(id, { ...samplePrompt(id), articleTitle: `Article ${id}` });
    // Pair 10 was never answered (dead-lettered): in the prompts, not in the responses.
    if (id !== '10') r.responses.set(id, { ...sampleResponse(id), issueScale: Number(id) % 3 });
  }
  const judgment = (id: string, judgeId: string): Judgment => {
    const base = sampleJudgment(id);
    const n = Number(id);
    const output =
      base.output === null
        ? null
        : {
            ...base.output,
            alignment_score: (n % 5) - 2,
            person_1_refusal: n % 4 === 0,
            person_2_refusal: n === 8,
            person_2_has_no_information: n % 3 === 1,
          };
    const invalid = id === '3' && judgeId === 'judge-a';
    return {
      ...base,
      judgeId,
      judge: { ...base.judge, model: `model-of-${judgeId}` },
      issueScale: Number(id) % 3,
      category: n % 2 === 0 ? 'even' : 'odd',
      valid: !invalid,
      invalidReason: invalid ? 'alignment_score 7 outside -2..2' : null,
      output: invalid ? null : output,
      rawOutput: invalid ? '{"alignment_score": 7}' : JSON.stringify(output),
    };
  };
  r.judgments.set(
    'judge-a',
    new Map(ids.filter((id) => id !== '10').map((id) => [id, judgment(id, 'judge-a')])),
  );
  r.judgments.set('judge-b', new Map(['2', '1'].map((id) => [id, judgment(id, 'judge-b')])));
  return r;
}

function objectOf(value: unknown): Record<string, unknown> {
  expect(typeof value).toBe('object');
  return Object.fromEntries<unknown>(Object.entries(value ?? {}));
}

describe.each(['parquet', 'jsonl'] as const)('export as %s', (format: ExportFormat) => {
  const run = records();
  const out = mkdtempSync(join(tmpdir(), 'valbench-export-'));
  const files = writeRunExport(run, out, format);

  it('writes one responses file and one evaluation file per judge, under the run folder', () => {
    expect(files.map((f) => [f.relative, f.rows, f.judgeId])).toEqual([
      [`run-1/responses.${format}`, 9, null],
      [`run-1/evaluation-judge-a.${format}`, 9, 'judge-a'],
      [`run-1/evaluation-judge-b.${format}`, 2, 'judge-b'],
    ]);
  });

  it('responses: one row per answered pair in id order, in the reference columns', async () => {
    const { rows } = await readTable(files[0]?.path ?? '');
    const first = objectOf(rows[0]);
    expect(rows.map((row) => Number(objectOf(row)['id']))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const response = run.responses.get('1');
    expect(first['article_title']).toBe('Article 1');
    expect(first['issue_description']).toBe(response?.issueDescription);
    expect(first['for_question']).toBe(response?.forQuestion);
    expect(first['for_value']).toBe('safety');
    expect(first['for_response']).toEqual({
      content: response?.forResponse.content,
      role: 'assistant',
    });
    expect(first['against_response']).toEqual({
      content: response?.againstResponse.content,
      role: 'assistant',
    });
    expect(first['against_reasoning']).toBe('Thinking…');
    expect(Number(first['for_input_tokens'])).toBe(42);
    expect(Number(first['for_latency_ms'])).toBe(812);
    expect(first['for_finish_reason']).toBe('stop');
    expect(first['for_truncated']).toBe(false);
    expect(first['for_reasoning_tokens']).toBeNull();
  });

  it('evaluation: the judge fields as the reference writes them, -100 and null when invalid', async () => {
    const { rows } = await readTable(files[1]?.path ?? '');
    const byId = new Map(rows.map((row) => [Number(objectOf(row)['id']), objectOf(row)]));
    const valid = byId.get(4) ?? {};
    const judgment = run.judgments.get('judge-a')?.get('4');
    expect(Number(valid['alignment_score'])).toBe(judgment?.output?.alignment_score);
    const parsed = objectOf(valid['alignment_judge_parsed']);
    expect(parsed['person_1_refusal']).toBe(true);
    expect(Number(parsed['alignment_score'])).toBe(judgment?.output?.alignment_score);
    expect(valid['alignment_judge_response']).toEqual({
      content: judgment?.rawOutput,
      role: 'assistant',
    });
    expect(valid['judge_id']).toBe('judge-a');
    expect(valid['judge_model']).toBe('model-of-judge-a');
    expect(valid['valid']).toBe(true);
    const invalid = byId.get(3) ?? {};
    expect(Number(invalid['alignment_score'])).toBe(-100);
    expect(invalid['alignment_judge_parsed'] ?? null).toBeNull();
    expect(invalid['valid']).toBe(false);
    expect(invalid['invalid_reason']).toBe('alignment_score 7 outside -2..2');
    expect(invalid['for_response']).toEqual({
      content: run.responses.get('3')?.forResponse.content,
      role: 'assistant',
    });
  });

  // Each report draws its charts: a second or more on a loaded machine, two reports per file.
  it(
    'valbench report on each evaluation file gives the metrics of its judgments',
    { timeout: 30_000 },
    async () => {
      for (const file of files.slice(1)) {
        const report = mkdtempSync(join(tmpdir(), 'valbench-report-'));
        const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
        try {
          expect(await reportCommand(['--input', file.path, '--out', report])).toBe(0);
        } finally {
          log.mockRestore();
        }
        const judgments = [...(run.judgments.get(file.judgeId ?? '')?.values() ?? [])];
        const expected = mkdtempSync(join(tmpdir(), 'valbench-expected-'));
        await writeReport(expected, computeMetrics(judgments.map(scored)));
        for (const name of [
          'alignment_statistics.csv',
          'category_metrics.csv',
          'issue_scale_metrics.csv',
        ])
          expect(readFileSync(join(report, name), 'utf8')).toBe(
            readFileSync(join(expected, name), 'utf8'),
          );
      }
    },
  );

  it('the responses file imports back to the same answers', async () => {
    const { rows } = await readTable(files[0]?.path ?? '');
    const pairs = rows.map((row, i) => importedPair(row, `row ${i + 1}`));
    for (const pair of pairs) {
      const original = run.responses.get(pair.row.id);
      expect(pair.missing).toBeNull();
      expect(pair.answers?.for).toEqual(original?.forResponse);
      expect(pair.answers?.against).toEqual({ ...original?.againstResponse, attempts: 1 });
      expect(pair.row.issueScale).toBe(original?.issueScale);
    }
  });
});
