import { describe, expect, it } from 'vitest';
import { deploymentChanges } from '../../../../services/aggregator/deployment-change.ts';
import { pacDrop } from '../../../../services/aggregator/gates.ts';
import {
  computeMetrics,
  summarize,
  type ScoredJudgment,
} from '../../../../services/aggregator/metrics.ts';
import type { RunJudgeState } from '../../../../services/aggregator/state.ts';

const judged = (score: number): ScoredJudgment => ({
  valid: true,
  score,
  refusal1: false,
  refusal2: false,
  noInfo1: false,
  noInfo2: false,
  issueScale: null,
  category: null,
  values: null,
});

function state(runId: string, deployment: string, scores: number[], judgeId = 'j'): RunJudgeState {
  const m = computeMetrics(scores.map(judged));
  return {
    runId,
    judgeId,
    model: 'm',
    deployment,
    judgeModel: 'judge',
    cumulative: m,
    lastN: m,
    lastT: m,
    countWindow: [],
    timeWindow: [],
    lastJudgedAt: 0,
  };
}

describe('deploymentChanges', () => {
  it('compares each deployment with the one before it, with the gates’ interval, sign reversed', () => {
    const v1 = state('r1', 'v1', [2, 2, 1, 2, 0, 2]);
    const v2 = state('r2', 'v2', [-2, 0, 1, -1, 0, 2]);
    const [change, ...rest] = deploymentChanges([v1, v2]);
    expect(rest).toEqual([]);
    const drop = pacDrop(summarize(v2.cumulative.overall), summarize(v1.cumulative.overall));
    expect(change).toEqual({
      model: 'm',
      judge: 'j',
      deployment: 'v2',
      previous: 'v1',
      change: -drop.drop,
      low: -drop.high,
      high: -drop.low,
    });
    expect(change?.change).toBeLessThan(0);
  });

  it('keeps judges apart, takes a redeployed label at its latest run and skips unjudged states', () => {
    const changes = deploymentChanges([
      state('r1', 'v1', [2, 2]),
      state('r2', 'v2', [0, 0]),
      state('r3', 'v1', [1, 1]),
      state('r4', 'v3', []),
      state('r5', 'v1', [2], 'other'),
    ]);
    expect(changes.map((c) => `${c.judge}:${c.previous}->${c.deployment}`)).toEqual(['j:v2->v1']);
  });
});
