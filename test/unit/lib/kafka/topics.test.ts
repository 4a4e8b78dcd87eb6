import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../../lib/kafka/topics.ts';

const expected = { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' };

describe('configWarnings', () => {
  it('is silent when every config matches', () => {
    const actual = new Map(Object.entries(expected));
    expect(configWarnings('valbench.responses', expected, actual)).toEqual([]);
  });

  it('names a retention that deletes records, and how to fix it', () => {
    const actual = new Map(Object.entries({ ...expected, 'retention.ms': '604800000' }));
    expect(configWarnings('valbench.responses', expected, actual)).toEqual([
      'topic valbench.responses has retention.ms=604800000, expected -1: its records will be deleted; set it with kafka-configs or recreate the topic',
    ]);
  });

  it('gives one warning per differing config, a config the cluster does not report included', () => {
    const actual = new Map([
      ['cleanup.policy', 'compact'],
      ['retention.ms', '-1'],
    ]);
    expect(configWarnings('t', expected, actual)).toEqual([
      'topic t has cleanup.policy=compact, expected delete: its records may be deleted or compacted away; set it with kafka-configs or recreate the topic',
      'topic t has no retention.bytes, expected -1: its records will be deleted; set it with kafka-configs or recreate the topic',
    ]);
  });

  it('reports a config without a known consequence plainly', () => {
    const actual = new Map([['max.message.bytes', '1048588']]);
    expect(configWarnings('t', { 'max.message.bytes': '8388608' }, actual)).toEqual([
      'topic t has max.message.bytes=1048588, expected 8388608; set it with kafka-configs or recreate the topic',
    ]);
  });
});
