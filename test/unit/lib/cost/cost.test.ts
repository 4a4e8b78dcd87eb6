import { describe, expect, it } from 'vitest';
import { costOf, formatUsd } from '../../../../lib/cost/cost.ts';
import type { ModelPrice } from '../../../../lib/cost/prices.ts';

const price: ModelPrice = {
  model: 'm',
  input: 2,
  output: 8,
  reasoning: 8,
  source: 's',
  asOf: '2025-01-01',
};

describe('costOf', () => {
  it('bills input and output per million tokens', () => {
    expect(costOf(price, { input: 1_000_000, output: 500_000, reasoning: null })).toBeCloseTo(
      6,
      10,
    );
    expect(costOf(price, { input: 1000, output: 250, reasoning: null })).toBeCloseTo(0.004, 12);
  });

  it('reasoning tokens are part of the output count: billed once, at the reasoning price', () => {
    const dearReasoning = { ...price, reasoning: 20 };
    // 600 output tokens of which 400 reasoning: 200 × 8 + 400 × 20, per million.
    expect(costOf(dearReasoning, { input: 0, output: 600, reasoning: 400 })).toBeCloseTo(
      (200 * 8 + 400 * 20) / 1e6,
      12,
    );
    // At the default (reasoning = output price) the split changes nothing.
    expect(costOf(price, { input: 0, output: 600, reasoning: 400 })).toBeCloseTo(
      costOf(price, { input: 0, output: 600, reasoning: null }) ?? -1,
      12,
    );
  });

  it('unknown input or output counts make the cost unknown, not 0', () => {
    expect(costOf(price, { input: null, output: 10, reasoning: null })).toBeNull();
    expect(costOf(price, { input: 10, output: null, reasoning: null })).toBeNull();
  });
});

describe('formatUsd', () => {
  it('shows unknown as unknown and keeps small amounts readable', () => {
    expect(formatUsd(null)).toBe('unknown');
    expect(formatUsd(0.00123)).toBe('$0.0012');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(1234.5)).toBe('$1235');
  });
});
