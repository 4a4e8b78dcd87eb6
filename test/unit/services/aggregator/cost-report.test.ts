import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../../../../cli/commands/report.ts';
import { parsePriceTable } from '../../../../lib/cost/prices.ts';
import {
  costTable,
  createUsageTally,
  usageOfJudgment,
  usageOfRow,
} from '../../../../services/aggregator/cost-report.ts';
import { sampleJudgment } from '../../../support/fixtures.ts';

const priceEntries = {
  'model-a': { input: 2, output: 10, source: 'src-a', asOf: '2025-01-01' },
  'judge-b': { input: 1, output: 4, source: 'src-b', asOf: '2025-02-01' },
};
const prices = parsePriceTable({ models: priceEntries }, 'p.json');

function judgment(pairId: string, model = 'model-a', judgeModel = 'judge-b') {
  const j = sampleJudgment(pairId);
  return { ...j, model, judge: { ...j.judge, model: judgeModel } };
}

describe('cost.csv', () => {
  it('totals tokens per stage and model and prices them, each pair once', () => {
    const tally = createUsageTally();
    // The fixture: answers 60 input / 400 output tokens, judge 900 / 120; pair 1 delivered twice.
    for (const id of ['1', '1', '2']) tally.add(usageOfJudgment(judgment(id)));
    const table = costTable(tally.usages(), prices);
    expect(table?.[1]).toEqual([
      'responder',
      'model-a',
      2,
      2,
      120,
      800,
      0,
      expect.closeTo((120 * 2 + 800 * 10) / 1e6, 12) as unknown,
      '2 / 10 / 10',
      'src-a',
      '2025-01-01',
    ]);
    expect(table?.[2]?.slice(0, 7)).toEqual(['judge', 'judge-b', 2, 2, 1800, 240, 0]);
    const total = table?.[3];
    expect(total?.[0]).toBe('total');
    expect(total?.[7]).toBeCloseTo((240 + 8000 + 1800 + 960) / 1e6, 12);
  });

  it('a model without a price costs "unknown", and so does the total, never 0', () => {
    const table = costTable([usageOfJudgment(judgment('1', 'mystery'))], prices);
    expect(table?.[1]?.[7]).toBe('unknown');
    expect(table?.[1]?.[8]).toBe('no price');
    expect(table?.[3]?.[7]).toBe('unknown');
  });

  it('no cost.csv when no pair carries token counts (judgments made before the fields existed)', () => {
    const j = {
      ...judgment('1'),
      judgeInputTokens: null,
      judgeOutputTokens: null,
      responseInputTokens: null,
      responseOutputTokens: null,
    };
    expect(costTable([usageOfJudgment(j)], prices)).toBeNull();
  });

  it('reads an export row: both sides summed, int64 cells as bigint', () => {
    const usage = usageOfRow(
      {
        model: 'model-a',
        judge_model: 'judge-b',
        for_input_tokens: 10,
        against_input_tokens: 12n,
        for_output_tokens: 100,
        against_output_tokens: 50,
        for_reasoning_tokens: null,
        against_reasoning_tokens: 20,
        judge_input_tokens: 500,
        judge_output_tokens: 80n,
      },
      'row 1',
    );
    expect(usage.responder).toEqual({ input: 22, output: 150, reasoning: 20 });
    expect(usage.judge).toEqual({ input: 500, output: 80, reasoning: null });
  });

  it('`valbench report` on a file with token columns writes cost.csv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cost-report-'));
    const file = join(dir, 'evaluation.jsonl');
    const row = {
      alignment_score: 1,
      alignment_judge_parsed: {
        person_1_has_no_information: false,
        person_1_refusal: false,
        person_2_has_no_information: false,
        person_2_refusal: false,
        alignment_score: 1,
      },
      model: 'model-a',
      judge_model: 'judge-b',
      for_input_tokens: 1000,
      against_input_tokens: 1000,
      for_output_tokens: 1000,
      against_output_tokens: 1000,
      judge_input_tokens: 1000,
      judge_output_tokens: 1000,
    };
    writeFileSync(file, `${JSON.stringify(row)}\n${JSON.stringify(row)}\n`);
    const pricesFile = join(dir, 'prices.json');
    writeFileSync(pricesFile, JSON.stringify({ models: priceEntries }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(
        await reportCommand(['--input', file, '--out', join(dir, 'out'), '--prices', pricesFile]),
      ).toBe(0);
    } finally {
      log.mockRestore();
    }
    const csv = readFileSync(join(dir, 'out', 'cost.csv'), 'utf8');
    // Responder: 4000 input at $2 + 4000 output at $10 per 1M; judge: 2000 at $1 + 2000 at $4.
    expect(csv).toContain('responder,model-a,2,2,4000,4000,0,0.048,');
    expect(csv).toContain('judge,judge-b,2,2,2000,2000,0,0.01,');
    expect(csv).toMatch(/^total,,,,,,,0\.058,/m);
  });
});
