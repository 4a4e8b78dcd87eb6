import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPairSelector, type SelectionRule } from '../../../../services/producer/sample.ts';

/**
 * The selection as it was before streaming (services/producer/dataset.ts `selectRows`, which
 * held every row): every id ordered by sha256(seed:id), the first `limit` taken; without a seed,
 * the first `limit` in dataset order. Kept here as the reference the streaming picks must equal.
 */
function heldSelection(
  ids: readonly string[],
  limit: number | null,
  seed: number | null,
): string[] {
  if (seed === null) return limit === null ? [...ids] : ids.slice(0, limit);
  const keyed = ids.map((id) => ({
    id,
    key: createHash('sha256').update(`${seed}:${id}`).digest('hex'),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const picked = keyed.map((k) => k.id);
  return limit === null ? picked : picked.slice(0, limit);
}

function select(ids: readonly string[], rule: SelectionRule): Set<string> {
  const selector = createPairSelector(rule, 'file:test.jsonl');
  ids.forEach((id, i) => {
    selector.offer(id, `test.jsonl row ${i + 1}`);
  });
  return selector.picked();
}

const ids = Array.from({ length: 1_000 }, (_, i) => String(i * 7 + 3));

describe('createPairSelector', () => {
  it.each([
    [10, 1],
    [1, 42],
    [333, 7],
    [999, 3],
    [1_000, 3],
    [5_000, 9],
    [null, 5],
    [100, null],
    [null, null],
  ])('picks what the held selection picked (limit %s, seed %s)', (limit, seed) => {
    const picked = select(ids, { limit, seed, pairIds: null });
    const expected = heldSelection(ids, limit, seed);
    expect([...picked].sort()).toEqual([...expected].sort());
    expect(picked.size).toBe(Math.min(limit ?? ids.length, ids.length));
  });

  it('picks different pairs for different seeds', () => {
    const a = select(ids, { limit: 50, seed: 1, pairIds: null });
    const b = select(ids, { limit: 50, seed: 2, pairIds: null });
    expect([...a].filter((id) => b.has(id)).length).toBeLessThan(20);
  });

  it('picks the named ids, and names those the dataset lacks', () => {
    expect(select(ids, { limit: null, seed: null, pairIds: ['10', '3', '10'] })).toEqual(
      new Set(['10', '3']),
    );
    expect(() => select(ids, { limit: null, seed: null, pairIds: ['3', 'nope', 'gone'] })).toThrow(
      /file:test.jsonl has no pair with id nope, gone/,
    );
  });

  it('refuses a second row with the same id, naming it', () => {
    expect(() => select(['1', '2', '1'], { limit: null, seed: 4, pairIds: null })).toThrow(
      /test.jsonl row 3: id 1 appears on an earlier row too/,
    );
  });
});
