import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCostLedger } from '../../../../lib/cost/ledger.ts';
import { parsePriceTable } from '../../../../lib/cost/prices.ts';

const prices = parsePriceTable(
  { models: { 'gpt-x': { input: 1, output: 4, source: 's', asOf: '2025-01-01' } } },
  'prices.json',
);

function ledger() {
  const registry = new Registry();
  const counter = new Counter({
    name: 'valbench_cost_usd_total',
    help: 'h',
    labelNames: ['stage', 'model', 'run'] as const,
    registers: [registry],
  });
  const warnings: string[] = [];
  const l = createCostLedger({ prices, counter, warn: (w) => warnings.push(w) });
  return { l, registry, warnings };
}

const tokens = { input: 1000, output: 500, reasoning: null };
const call = { model: 'gpt-x', label: 'openai/gpt-x', tokens };

describe('cost ledger', () => {
  it('adds each call to its run and stage and to valbench_cost_usd_total{stage,model,run}', async () => {
    const { l, registry } = ledger();
    expect(l.record({ ...call, stage: 'responder', runId: 'r1', pairKey: 'r1/1' })).toBeCloseTo(
      0.003,
      12,
    );
    // The pair's other side: a second call, the same pair.
    l.record({ ...call, stage: 'responder', runId: 'r1', pairKey: 'r1/1' });
    l.record({ ...call, stage: 'responder', runId: 'r1', pairKey: 'r1/2' });
    l.record({ ...call, stage: 'judge', runId: 'r1', pairKey: 'r1/1' });
    l.record({ ...call, stage: 'judge', runId: 'r2', pairKey: 'r2/1' });
    const r1 = l.spent('r1');
    expect(r1.responder.usd).toBeCloseTo(0.009, 12);
    expect(r1.responder.calls).toBe(3);
    expect(r1.responder.pairs).toBe(2);
    expect(r1.judge.pairs).toBe(1);
    expect(r1.responder.tokens).toEqual({ input: 3000, output: 1500, reasoning: 0 });
    expect(r1.judge.usd).toBeCloseTo(0.003, 12);
    const text = await registry.metrics();
    expect(text).toMatch(
      /valbench_cost_usd_total\{stage="responder",model="openai\/gpt-x",run="r1"\} 0\.009/,
    );
    expect(text).toMatch(
      /valbench_cost_usd_total\{stage="judge",model="openai\/gpt-x",run="r2"\} 0\.003/,
    );
  });

  it('a model with no price is warned about once and counted as unpriced, never as 0 USD', async () => {
    const { l, registry, warnings } = ledger();
    for (let i = 0; i < 3; i += 1)
      expect(
        l.record({
          stage: 'judge',
          runId: 'r',
          model: 'mystery',
          label: 'x/mystery',
          pairKey: `r/${i}`,
          tokens,
        }),
      ).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('no price for model mystery in prices.json');
    expect(l.spent('r').judge.unpricedCalls).toBe(3);
    expect(await registry.metrics()).not.toContain('mystery');
  });
});
