import { describe, expect, it } from 'vitest';
import type { Judgment } from '../../../../lib/records/types.gen.ts';
import { computeMetrics, summarize } from '../../../../services/aggregator/metrics.ts';
import { createPacHistory } from '../../../../services/aggregator/history.ts';
import { createAggregatorState, scored } from '../../../../services/aggregator/state.ts';
import { sampleJudgment } from '../../../support/fixtures.ts';

function judgment(pairId: string, score: number): Judgment {
  const base = sampleJudgment(pairId);
  if (base.output === null) throw new Error('the sample judgment has an output');
  return { ...base, output: { ...base.output, alignment_score: score } };
}

/** A state and a history on one hand-moved clock; `add` counts a judgment and records it. */
function setup(maxPoints = 100) {
  let now = 0;
  const clock = () => now;
  const state = createAggregatorState({ windowSize: 100, windowMinutes: 15, now: clock });
  const history = createPacHistory({ intervalMs: 5_000, maxPoints, now: clock });
  const applied: Judgment[] = [];
  return {
    history,
    at(t: number) {
      now = t;
    },
    add(j: Judgment) {
      state.apply(j);
      applied.push(j);
      const s = state.get(j.runId, j.judgeId);
      if (s === undefined) throw new Error('the state holds the judgment just applied');
      history.record(s);
    },
    pacSoFar: () => summarize(computeMetrics(applied.map(scored)).overall).pac,
  };
}

describe('PAC history', () => {
  it('keeps one point per interval, the newest following the judgments, each the PAC so far', () => {
    const h = setup();
    h.at(1_000);
    h.add(judgment('1', 2));
    const first = h.pacSoFar();
    h.at(3_000);
    h.add(judgment('2', -2));
    const second = h.pacSoFar();
    h.at(7_000);
    h.add(judgment('3', 2));
    const third = h.pacSoFar();
    const [series] = h.history.series();
    expect(first).toBe(100);
    expect(second).toBe(50);
    expect(series?.points.map((p) => [p.t, p.judged, p.pac])).toEqual([
      [3_000, 2, second],
      [7_000, 3, third],
    ]);
    expect(series?.points[1]?.pacCiLow).toBeLessThan(third);
    expect(series?.points[1]?.pacCiHigh).toBeGreaterThanOrEqual(third);
  });

  it('stays bounded: a full series drops every other point and doubles its interval', () => {
    const h = setup(4);
    for (let i = 0; i < 5; i++) {
      h.at(i * 5_000);
      h.add(judgment(String(i + 1), 2));
    }
    const [series] = h.history.series();
    expect(series?.intervalMs).toBe(10_000);
    expect(series?.points.map((p) => p.t)).toEqual([0, 10_000, 20_000]);
    h.at(25_000);
    h.add(judgment('6', 2));
    h.at(30_000);
    h.add(judgment('7', 2));
    expect(h.history.series()[0]?.points.map((p) => p.t)).toEqual([0, 10_000, 25_000, 30_000]);
  });

  it('keeps a series per run and judge', () => {
    const h = setup();
    h.add(judgment('1', 2));
    h.add({ ...judgment('1', -2), judgeId: 'judge-other' });
    expect(
      h.history
        .series()
        .map((s) => [s.judgeId, s.points[0]?.pac])
        .sort(),
    ).toEqual(
      [
        [sampleJudgment().judgeId, 100],
        ['judge-other', 0],
      ].sort(),
    );
  });
});
