import { describe, expect, it } from 'vitest';
import { decideIntake, projectedUsd, type BudgetState } from '../../../../lib/cost/budget.ts';
import { pairCostBound } from '../../../../lib/cost/estimate.ts';
import { createBudgetGate } from '../../../../lib/cost/gate.ts';
import { createCostLedger } from '../../../../lib/cost/ledger.ts';
import { parsePriceTable, type ModelPrice } from '../../../../lib/cost/prices.ts';
import { Counter, Registry } from 'prom-client';

const state = (over: Partial<BudgetState>): BudgetState => ({
  maxUsd: 1,
  spentUsd: 0,
  awaitingResponder: 0,
  awaitingJudge: 0,
  perPair: { responder: 0.1, judge: 0.05 },
  ...over,
});

describe('budget decision', () => {
  it('counts the spend, the pairs in flight at each stage and the next pair', () => {
    // 0.3 + 2 × 0.15 + 1 × 0.05 + 0.15
    expect(
      projectedUsd(state({ spentUsd: 0.3, awaitingResponder: 2, awaitingJudge: 1 })),
    ).toBeCloseTo(0.8, 12);
  });

  it('publishes while the projection stays within the budget', () => {
    expect(decideIntake(state({ spentUsd: 0.85 }))).toBe('publish');
    expect(decideIntake(state({ spentUsd: 0.86 }))).not.toBe('publish');
  });

  it('waits while pairs are in flight, stops when none is and the next would pass', () => {
    expect(decideIntake(state({ spentUsd: 0.9, awaitingJudge: 1 }))).toBe('wait');
    expect(decideIntake(state({ spentUsd: 0.9 }))).toBe('stop');
  });
});

const gpt: ModelPrice = {
  model: 'g',
  input: 1,
  output: 1,
  reasoning: 1,
  source: 's',
  asOf: '2025-01-01',
};

function gateWith(maxUsd: number) {
  const prices = parsePriceTable(
    { models: { g: { input: 1, output: 1, source: 's', asOf: '2025-01-01' } } },
    'p.json',
  );
  const counter = new Counter({
    name: 'c_total',
    help: 'h',
    labelNames: ['stage', 'model', 'run'] as const,
    registers: [new Registry()],
  });
  const ledger = createCostLedger({ prices, counter, warn: () => undefined });
  const done = { responder: 0, judge: 0 };
  const controller = new AbortController();
  const gate = createBudgetGate({
    maxUsd,
    runId: 'r',
    ledger,
    // Each pair bounded at 2 × 100 output tokens + 100 judge tokens, ~300 µUSD.
    bound: (p) =>
      pairCostBound(p, {
        responder: { price: gpt, systemPrompt: '', maxOutputTokens: 100 },
        judge: { price: gpt, instructionChars: 0, maxOutputTokens: 100 },
      }),
    done: () => done,
    signal: controller.signal,
  });
  const pair = { issueDescription: '', forQuestion: '', againstQuestion: '' };
  // A pair done: the responder's two calls and the judge's one, 10 tokens each.
  const finish = (): void => {
    for (const stage of ['responder', 'responder', 'judge'] as const)
      ledger.record({
        stage,
        runId: 'r',
        model: 'g',
        label: 'g',
        pairKey: `r/${done.judge}`,
        tokens: { input: 0, output: 10, reasoning: null },
      });
    done.responder += 1;
    done.judge += 1;
    gate.update();
  };
  return { gate, pair, finish, controller };
}

describe('budget gate', () => {
  it('admits at the upper bound first, waits for the pair in flight, then paces by the observed average', async () => {
    // Bound per pair: responder 2 × 100 + judge (2 × 100 input + 100 output) = 500 µUSD.
    const { gate, pair, finish } = gateWith(0.0007);
    expect(await gate.admit(pair)).toBe(true);
    let second: boolean | undefined;
    const pending = gate.admit(pair).then((ok) => (second = ok));
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBeUndefined();
    finish(); // 30 µUSD spent: the average per pair is now 30 µUSD.
    await pending;
    expect(second).toBe(true);
    expect(gate.stoppedAt()).toBeNull();
  });

  it('stops when nothing is in flight and the next pair would pass the budget', async () => {
    const { gate, pair } = gateWith(0.0001);
    expect(await gate.admit(pair)).toBe(false);
    expect(gate.stoppedAt()?.projectedUsd).toBeCloseTo(0.0005, 12);
    expect(await gate.admit(pair)).toBe(false);
  });

  it('an abort ends a waiting admit with false', async () => {
    const { gate, pair, controller } = gateWith(0.0007);
    expect(await gate.admit(pair)).toBe(true);
    const waiting = gate.admit(pair);
    controller.abort();
    expect(await waiting).toBe(false);
  });
});
