import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPricesPath, loadPriceTable, parsePriceTable } from '../../../../lib/cost/prices.ts';

const entry = {
  input: 2.5,
  output: 10,
  source: 'https://example.test/pricing',
  asOf: '2025-08-01',
};

describe('price table', () => {
  it('the shipped table parses, every entry dated, and names current public models', () => {
    const table = loadPriceTable(defaultPricesPath);
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-5-mini', 'claude-sonnet-4-5'])
      expect(table.priceOf(model)?.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('reasoning defaults to the output price, and an explicit one is kept', () => {
    const table = parsePriceTable(
      { models: { a: entry, b: { ...entry, reasoning: 3 } } },
      'test.json',
    );
    expect(table.priceOf('a')?.reasoning).toBe(10);
    expect(table.priceOf('b')?.reasoning).toBe(3);
  });

  it('finds a model by its exact id, after an organisation prefix, and without a date snapshot', () => {
    const table = parsePriceTable(
      { models: { 'claude-sonnet-4-5': entry, 'gemma-3-27b-it': { ...entry, input: 0.1 } } },
      'test.json',
    );
    expect(table.priceOf('claude-sonnet-4-5')?.model).toBe('claude-sonnet-4-5');
    expect(table.priceOf('claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(table.priceOf('google/gemma-3-27b-it')?.input).toBe(0.1);
  });

  it('a model missing from the table has no price (null, never 0)', () => {
    const table = parsePriceTable({ models: { a: entry } }, 'test.json');
    expect(table.priceOf('simulated-model')).toBeNull();
    expect(table.priceOf('a-2')).toBeNull();
  });

  it('a bad entry is refused naming the entry and the field', () => {
    const bad = { models: { 'gpt-4o': { ...entry, output: -1 }, o3: { ...entry, asOf: 'May' } } };
    expect(() => parsePriceTable(bad, 'bad.json')).toThrow(
      /bad\.json[\s\S]*models\.gpt-4o\.output/,
    );
    expect(() => parsePriceTable(bad, 'bad.json')).toThrow(/models\.o3\.asOf/);
    expect(() => parsePriceTable(bad, 'bad.json')).toThrow(
      expect.objectContaining({ kind: 'fatal', code: 'PRICE_FILE_INVALID' }) as Error,
    );
  });

  it('an unknown field (a typo) is refused, not ignored', () => {
    expect(() => parsePriceTable({ models: { a: { ...entry, ouptut: 3 } } }, 'typo.json')).toThrow(
      /models\.a/,
    );
  });

  it('a file that is not JSON is refused with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const path = join(dir, 'prices.json');
    writeFileSync(path, '{ "models": ');
    expect(() => loadPriceTable(path)).toThrow(new RegExp(`${path}.*cannot be read as JSON`));
  });
});
