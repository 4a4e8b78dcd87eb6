import { describe, expect, it } from 'vitest';
import { pairCostBound, runEstimate, stageEstimate } from '../../../../lib/cost/estimate.ts';
import type { StageSpend } from '../../../../lib/cost/ledger.ts';
import type { ModelPrice } from '../../../../lib/cost/prices.ts';

const spend = (usd: number, unpricedCalls = 0): StageSpend => ({
  usd,
  calls: 10,
  pairs: 5,
  unpricedCalls,
  tokens: { input: 0, output: 0, reasoning: 0 },
});
const price = (input: number, output: number, reasoning = output): ModelPrice => ({
  model: 'm',
  input,
  output,
  reasoning,
  source: 's',
  asOf: '2025-01-01',
});

describe('estimate', () => {
  it('is cost so far ÷ pairs done × pairs of the run', () => {
    expect(stageEstimate(spend(0.5), 10, 100)).toEqual({ spentUsd: 0.5, estimateUsd: 5 });
  });

  it('is unknown before a pair is done, and when a call was unpriced', () => {
    expect(stageEstimate(spend(0), 0, 100).estimateUsd).toBeNull();
    expect(stageEstimate(spend(0.5, 1), 10, 100)).toEqual({ spentUsd: null, estimateUsd: null });
  });

  it('keeps responder and judge apart and adds them up', () => {
    const e = runEstimate(
      { responder: spend(1), judge: spend(0.2) },
      { responder: 20, judge: 10 },
      40,
    );
    expect(e.responder.estimateUsd).toBeCloseTo(2, 12);
    expect(e.judge.estimateUsd).toBeCloseTo(0.8, 12);
    expect(e.total).toEqual({ spentUsd: 1.2, estimateUsd: expect.closeTo(2.8, 12) as unknown });
    const unknownJudge = runEstimate(
      { responder: spend(1), judge: spend(0.2, 1) },
      { responder: 20, judge: 10 },
      40,
    );
    expect(unknownJudge.total).toEqual({ spentUsd: null, estimateUsd: null });
  });

  it('bounds a pair from its prompt length and the output budgets', () => {
    const pair = {
      issueDescription: 'i'.repeat(400),
      forQuestion: 'f'.repeat(40),
      againstQuestion: 'a'.repeat(80),
    };
    const bound = pairCostBound(pair, {
      responder: { price: price(1, 10), systemPrompt: 's'.repeat(40), maxOutputTokens: 100 },
      judge: { price: price(2, 20, 30), instructionChars: 800, maxOutputTokens: 50 },
    });
    // Each side: (40 + question)/4 input tokens at 1, 100 output tokens at 10, per million.
    expect(bound.responder).toBeCloseTo((20 * 1 + 100 * 10 + 30 * 1 + 100 * 10) / 1e6, 12);
    // Judge: (800 + 400 + 40 + 80)/4 + 2 × 100 input at 2; 50 output at the dearer 30.
    expect(bound.judge).toBeCloseTo(((330 + 200) * 2 + 50 * 30) / 1e6, 12);
  });
});
