import { describe, expect, it } from 'vitest';
import { topicNames, topicSpecs } from '../../../lib/topics.ts';

describe('topicSpecs', () => {
  it('keeps the records of every pipeline topic for good, by retention, not compaction', () => {
    const specs = topicSpecs(topicNames('valbench.'), 6);
    expect(specs.map((s) => s.topic)).toEqual([
      'valbench.prompts',
      'valbench.responses',
      'valbench.judgments',
      'valbench.dead-letters',
      'valbench.run-requests',
      'valbench.judge-requests',
    ]);
    for (const spec of specs) {
      expect(spec.configs).toEqual({
        'cleanup.policy': 'delete',
        'retention.ms': '-1',
        'retention.bytes': '-1',
      });
    }
  });
});
