import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerAggregatorMetrics, stateJson } from '../../../../services/aggregator/exporter.ts';
import { createAggregatorState } from '../../../../services/aggregator/state.ts';
import { sampleJudgment } from '../../../support/fixtures.ts';

const now = 1_795_000_000_000;
const minutes = (n: number): number => n * 60_000;

describe('a finished run retires from /metrics', () => {
  it('after the retirement time since its newest judgment, its numbers staying in /api/metrics', async () => {
    const state = createAggregatorState({
      windowSize: 100,
      windowMinutes: 15,
      retireAfterMinutes: 60,
      now: () => now,
    });
    state.apply({ ...sampleJudgment('1'), runId: 'run-old', judgedAt: now - minutes(120) });
    state.apply({ ...sampleJudgment('2'), runId: 'run-old', judgedAt: now - minutes(90) });
    state.apply({ ...sampleJudgment('1'), runId: 'run-new', judgedAt: now - minutes(10) });
    expect(
      state
        .states()
        .map((s) => s.runId)
        .sort(),
    ).toEqual(['run-new', 'run-old']);
    expect(state.live().map((s) => s.runId)).toEqual(['run-new']);

    const registry = new Registry();
    registerAggregatorMetrics(registry, state);
    const text = await registry.metrics();
    expect(text).toContain('run="run-new"');
    expect(text).not.toContain('run="run-old"');
    expect(JSON.stringify(stateJson(state))).toContain('run-old');

    // A late judgment of the old run brings it back.
    state.apply({ ...sampleJudgment('3'), runId: 'run-old', judgedAt: now - minutes(1) });
    expect(
      state
        .live()
        .map((s) => s.runId)
        .sort(),
    ).toEqual(['run-new', 'run-old']);
  });

  it('never, when no retirement time is set', () => {
    const state = createAggregatorState({ windowSize: 100, windowMinutes: 15, now: () => now });
    state.apply({ ...sampleJudgment('1'), judgedAt: now - minutes(100_000) });
    expect(state.live()).toHaveLength(1);
  });
});
