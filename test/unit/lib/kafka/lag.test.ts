import { describe, expect, it } from 'vitest';
import { partitionLags } from '../../../../lib/kafka/lag.ts';

describe('partitionLags', () => {
  it('is the end offset minus the committed offset, from the low watermark when never committed', () => {
    const ends = [
      { partition: 0, low: '0', high: '10' },
      { partition: 1, low: '4', high: '9' },
      { partition: 2, low: '0', high: '3' },
    ];
    expect(
      partitionLags(ends, [
        { partition: 0, offset: '7' },
        { partition: 2, offset: '-1' },
      ]),
    ).toEqual([
      { partition: 0, lag: 3 },
      { partition: 1, lag: 5 },
      { partition: 2, lag: 3 },
    ]);
  });

  it('is never negative (a commit seen before the end offset it passed)', () => {
    expect(
      partitionLags([{ partition: 0, low: '0', high: '5' }], [{ partition: 0, offset: '6' }]),
    ).toEqual([{ partition: 0, lag: 0 }]);
  });
});
