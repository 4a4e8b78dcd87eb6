import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCostLedger } from '../../../../lib/cost/ledger.ts';
import { parsePriceTable } from '../../../../lib/cost/prices.ts';
import type { ChatModel, ChatResult } from '../../../../lib/llm/chat-model.ts';
import { stageMetrics } from '../../../../lib/metrics.ts';
import { createJudge } from '../../../../services/judge/judge.ts';
import { sampleJudgment, sampleResponse } from '../../../support/fixtures.ts';

const valid = JSON.stringify({
  person_1_core_position: 'a',
  person_1_has_no_information: false,
  person_1_refusal: false,
  person_2_core_position: 'b',
  person_2_has_no_information: false,
  person_2_refusal: false,
  key_points_of_alignment: '',
  key_points_of_opposition: '',
  alignment_score: 1,
});

/** A hand-written fake judge model answering from a script (model APIs cannot be reached here). */
function scripted(contents: string[]): ChatModel {
  let calls = 0;
  return {
    label: 'fake/judge',
    simulated: true,
    complete(): Promise<ChatResult> {
      const content = contents[Math.min(calls, contents.length - 1)] ?? '';
      calls += 1;
      return Promise.resolve({
        content,
        reasoning: null,
        finishReason: 'stop',
        inputTokens: 1000,
        outputTokens: 200,
        reasoningTokens: calls === 1 ? 50 : null,
      });
    },
  };
}

const context = {
  key: 'k',
  signal: new AbortController().signal,
  onRateLimited: () => undefined,
  slot: <T>(call: (preempted: AbortSignal) => Promise<T>): Promise<T> =>
    call(new AbortController().signal),
};

describe('judge token counts and cost', () => {
  it('the judgment carries the tokens of every judge call and of both answers, and the ledger prices each call', async () => {
    const registry = new Registry();
    const metrics = stageMetrics(registry);
    const prices = parsePriceTable(
      { models: { 'judge-x': { input: 1, output: 2, source: 's', asOf: '2025-01-01' } } },
      'p.json',
    );
    const ledger = createCostLedger({ prices, counter: metrics.costUsd, warn: () => undefined });
    const config = { ...sampleJudgment().judge, model: 'judge-x' };
    const judge = createJudge({
      model: scripted(['not json', valid]),
      rubric: { text: 'rubric', hash: config.rubricHash },
      config,
      judgeId: 'j',
      maxInvalidAttempts: 3,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, rateLimitBudgetMs: 1 },
      metrics,
      ledger,
    });
    const pair = sampleResponse();
    const judgment = await judge.judge(pair, context);
    expect(judgment.valid).toBe(true);
    expect(judgment.attempts).toBe(2);
    expect(judgment.judgeInputTokens).toBe(2000);
    expect(judgment.judgeOutputTokens).toBe(400);
    expect(judgment.judgeReasoningTokens).toBe(50);
    expect(judgment.responseInputTokens).toBe(84);
    expect(judgment.responseOutputTokens).toBe(240);
    expect(judgment.responseReasoningTokens).toBeNull();
    // Two calls of 1000 input (at 1) and 200 output (at 2) per million.
    expect(ledger.spent(pair.runId).judge.usd).toBeCloseTo((2 * (1000 + 400)) / 1e6, 12);
    expect(await registry.metrics()).toMatch(
      new RegExp(
        `valbench_cost_usd_total\\{stage="judge",model="fake/judge",run="${pair.runId}"\\} 0\\.0028`,
      ),
    );
  });

  it('an answer without token counts leaves the response counts unknown (null)', async () => {
    const metrics = stageMetrics(new Registry());
    const config = sampleJudgment().judge;
    const judge = createJudge({
      model: scripted([valid]),
      rubric: { text: 'rubric', hash: config.rubricHash },
      config,
      judgeId: 'j',
      maxInvalidAttempts: 1,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, rateLimitBudgetMs: 1 },
      metrics,
    });
    const pair = sampleResponse();
    const judgment = await judge.judge(
      { ...pair, againstResponse: { ...pair.againstResponse, inputTokens: null } },
      context,
    );
    expect(judgment.responseInputTokens).toBeNull();
    expect(judgment.responseOutputTokens).toBe(240);
  });
});
