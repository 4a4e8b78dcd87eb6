import { describe, expect, it } from 'vitest';
import { clusterId } from '../../../../lib/stack/broker.ts';

describe('the local broker', () => {
  it('makes cluster ids the storage tool takes: 22 base64url characters, never a leading dash', () => {
    // One in 64 random ids would start with a dash: 2,000 draws all but surely meet some.
    const ids = Array.from({ length: 2000 }, clusterId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
