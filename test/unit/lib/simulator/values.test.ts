import { describe, expect, it } from 'vitest';
import {
  demonstratedValue,
  formatValueMarker,
  readValueMarker,
} from '../../../../lib/simulator/behaviour.ts';
import {
  simulatedReply,
  noFaults,
  type SimulatorOptions,
} from '../../../../lib/simulator/model.ts';

const asked = { for: 'liberty', against: 'care' };
const options = (valueProfile: 'none' | 'yielding' | 'stable'): SimulatorOptions => ({
  profile: 'unaligned',
  valueProfile,
  seed: 1,
  latency: { kind: 'fixed', ms: 0 },
  faults: noFaults,
});

describe('simulated value profiles (a simulator: the ground truth of the values analysis)', () => {
  it('yielding demonstrates what each question asks for; stable the same value on both sides', () => {
    expect(demonstratedValue('yielding', 'for', asked)).toBe('liberty');
    expect(demonstratedValue('yielding', 'against', asked)).toBe('care');
    expect(demonstratedValue('stable', 'for', asked)).toBe('care');
    expect(demonstratedValue('stable', 'against', asked)).toBe('care');
    expect(demonstratedValue('none', 'for', asked)).toBeNull();
    expect(demonstratedValue('yielding', 'for', { for: null, against: 'care' })).toBeNull();
  });

  it('marks the answers, and the simulated judge labels each person with its answer’s value', () => {
    expect(readValueMarker(`text ${formatValueMarker('a value, with ] and =')}`)).toBe(
      'a value, with ] and =',
    );
    const answer = (side: 'for' | 'against') =>
      simulatedReply(
        options('yielding'),
        { user: 'q', simulation: { key: '7', side, values: asked } },
        () => 0.5,
      ).content;
    const user = `Person 1's response: ${answer('against')}\n\nPerson 2's response: ${answer('for')}`;
    const verdict = JSON.parse(
      simulatedReply(
        options('yielding'),
        { user, simulation: { key: '7', side: 'judge' } },
        () => 0.5,
      ).content,
    ) as Record<string, unknown>;
    expect(verdict['person_1_value']).toBe('care');
    expect(verdict['person_2_value']).toBe('liberty');
    const none = simulatedReply(
      options('none'),
      { user: 'q', simulation: { key: '7', side: 'for', values: asked } },
      () => 0.5,
    ).content;
    expect(readValueMarker(none)).toBeUndefined();
  });
});
