import { describe, expect, it } from 'vitest';
import {
  createPartitionOffsets,
  decodeCommitMetadata,
  encodeCommitMetadata,
} from '../../../../lib/kafka/offsets.ts';

describe('partition offsets', () => {
  it('commits up to the lowest unfinished offset and names the unfinished ones above it', () => {
    const t = createPartitionOffsets();
    for (const o of [0n, 1n, 2n, 3n, 4n]) expect(t.begin(o)).toBe(true);
    t.finish(1n);
    t.finish(3n);
    t.finish(4n);
    const point = t.commitPoint();
    expect(point?.offset).toBe(0n);
    expect(decodeCommitMetadata(0n, point?.metadata ?? null)).toEqual({
      high: 5n,
      incomplete: [0n, 2n],
    });
    t.finish(0n);
    expect(t.commitPoint()?.offset).toBe(2n);
    t.finish(2n);
    expect(t.commitPoint()?.offset).toBe(5n);
    expect(t.inFlight()).toBe(0);
  });

  it('a member taking over from that commit redoes only the unfinished offsets', () => {
    const before = createPartitionOffsets();
    for (const o of [10n, 11n, 12n, 13n]) before.begin(o);
    before.finish(11n);
    before.finish(13n);
    const point = before.commitPoint();
    expect(point?.offset).toBe(10n);
    const after = createPartitionOffsets({ offset: 10n, metadata: point?.metadata ?? null });
    // Redelivered from the committed offset: 10 and 12 were in flight, 11 and 13 are done.
    expect([10n, 11n, 12n, 13n, 14n].map((o) => after.begin(o))).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
    // Below the committed offset everything is done.
    expect(after.begin(9n)).toBe(false);
  });

  it('an offset to redo that the consumer resumed past is done, and holds no commit', () => {
    // Loaded from a commit at 10 naming 10 and 12 unfinished; the partition went to another
    // member, which did them and committed 20, and came back: the consumer resumes at 20.
    const t = createPartitionOffsets({
      offset: 10n,
      metadata: encodeCommitMetadata(10n, 14n, [10n, 12n]),
    });
    expect(t.begin(20n)).toBe(true);
    t.finish(20n);
    expect(t.commitPoint()?.offset).toBe(21n);
    expect(t.begin(12n)).toBe(false);
  });

  it('skips a redelivery of an offset in flight or finished (rebalance, kept partition)', () => {
    const t = createPartitionOffsets();
    t.begin(0n);
    t.begin(1n);
    t.finish(1n);
    expect(t.begin(0n)).toBe(false);
    expect(t.begin(1n)).toBe(false);
    expect(t.begin(2n)).toBe(true);
    expect(t.inFlight()).toBe(2);
  });

  it('foreign metadata (another client) claims nothing above the committed offset', () => {
    const t = createPartitionOffsets({ offset: 5n, metadata: 'written by someone else' });
    expect(t.begin(5n)).toBe(true);
    expect(t.begin(6n)).toBe(true);
  });

  it('nothing committed yet: no commit point until an offset is taken', () => {
    const t = createPartitionOffsets(null);
    expect(t.commitPoint()).toBeUndefined();
    t.begin(7n);
    expect(t.commitPoint()?.offset).toBe(7n);
  });

  it('metadata stays under the broker limit by claiming less, never more', () => {
    const incomplete = Array.from({ length: 5000 }, (_, i) => BigInt(i * 1000));
    const text = encodeCommitMetadata(0n, 6_000_000n, incomplete);
    expect(text.length).toBeLessThan(4096);
    const decoded = decodeCommitMetadata(0n, text);
    expect(decoded).not.toBeNull();
    const high = decoded?.high ?? 0n;
    expect(high).toBeLessThan(6_000_000n);
    // Every offset the truncated metadata claims as done really is done.
    const named = new Set(decoded?.incomplete);
    for (const o of incomplete) if (o < high) expect(named.has(o)).toBe(true);
  });
});
