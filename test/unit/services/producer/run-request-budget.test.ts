import { describe, expect, it } from 'vitest';
import { parsePriceTable } from '../../../../lib/cost/prices.ts';
import { parseRunRequest, unservedProblems } from '../../../../services/producer/run-request.ts';

const body = (extra: Record<string, unknown> = {}) => ({
  model: { provider: 'openai', endpoint: 'openai', model: 'gpt-x' },
  dataset: { path: 'pairs.jsonl' },
  judges: [{ provider: 'openai', endpoint: 'openai', model: 'judge-y' }],
  ...extra,
});

const served = {
  responders: [{ provider: 'openai', endpoint: 'openai' }],
  judges: [{ provider: 'openai', endpoint: 'openai' }],
  datasetDir: '/data',
  hub: { url: 'https://hub.test', token: null },
  prices: parsePriceTable(
    { models: { 'gpt-x': { input: 1, output: 2, source: 's', asOf: '2025-01-01' } } },
    'prices.json',
  ),
};

describe('run request maxCostUsd', () => {
  it('defaults to null (no limit) and carries a budget', () => {
    const plain = parseRunRequest(body());
    expect('problems' in plain ? null : plain.maxCostUsd).toBeNull();
    const budgeted = parseRunRequest(body({ maxCostUsd: 12.5 }));
    expect('problems' in budgeted ? null : budgeted.maxCostUsd).toBe(12.5);
  });

  it('refuses a negative budget, naming the field', () => {
    const refused = parseRunRequest(body({ maxCostUsd: -1 }));
    expect('problems' in refused ? refused.problems.join('; ') : '').toContain('maxCostUsd');
  });

  it('a budget needs a price for every model it names; without a budget none is needed', () => {
    const budgeted = parseRunRequest(body({ maxCostUsd: 5 }));
    if ('problems' in budgeted) throw new Error(budgeted.problems.join('; '));
    expect(unservedProblems(budgeted, served)).toEqual([
      'maxCostUsd: no price for model judge-y in prices.json',
    ]);
    const plain = parseRunRequest(body());
    if ('problems' in plain) throw new Error(plain.problems.join('; '));
    expect(unservedProblems(plain, served)).toEqual([]);
  });
});
