import { describe, expect, it } from 'vitest';
import { loadRubric } from '../../../../services/judge/prompt.ts';
import {
  inSwapSample,
  judgeRequestOf,
  judgeRequestProblem,
} from '../../../../services/judge/stage.ts';
import { sampleJudgment } from '../../../support/fixtures.ts';

const rubric = loadRubric();
const config = { ...sampleJudgment().judge, rubricHash: rubric.hash };

describe('judge requests', () => {
  it('name the runs sorted and once, under an id that does not depend on their order', () => {
    const a = judgeRequestOf(
      { config, rubric, maxInvalidAttempts: 3 },
      ['run-b', 'run-a', 'run-b'],
      'replay',
    );
    const b = judgeRequestOf({ config, rubric, maxInvalidAttempts: 3 }, ['run-a', 'run-b'], 'run');
    expect(a.runIds).toEqual(['run-a', 'run-b']);
    expect(a.requestId).toBe(b.requestId);
    expect(judgeRequestProblem(a)).toBeNull();
  });

  it('are refused when the rubric is not the one hashed, or the judge id is not the config hash', () => {
    const request = judgeRequestOf({ config, rubric, maxInvalidAttempts: 3 }, ['run-a'], 'replay');
    expect(judgeRequestProblem({ ...request, rubric: `${rubric.text} (edited)` })).toContain(
      'rubricHash',
    );
    expect(judgeRequestProblem({ ...request, judgeId: 'judge-0000000000000000' })).toContain(
      'judgeId',
    );
    expect(judgeRequestProblem({ ...request, runIds: [] })).toContain('no run');
  });
});

describe('the swap sample', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `run-a/${i}`);

  it('takes about the fraction asked for, the same pairs every time, none at 0 and all at 1', () => {
    const picked = keys.filter((k) => inSwapSample(k, 0.25));
    expect(picked.length).toBeGreaterThan(400);
    expect(picked.length).toBeLessThan(600);
    expect(keys.filter((k) => inSwapSample(k, 0.25))).toEqual(picked);
    expect(keys.some((k) => inSwapSample(k, 0))).toBe(false);
    expect(keys.every((k) => inSwapSample(k, 1))).toBe(true);
  });

  it('is part of the request id when asked for, and only then', () => {
    const plain = judgeRequestOf({ config, rubric, maxInvalidAttempts: 3 }, ['run-a'], 'run');
    const zero = judgeRequestOf(
      { config, rubric, maxInvalidAttempts: 3, swapSample: 0 },
      ['run-a'],
      'run',
    );
    const some = judgeRequestOf(
      { config, rubric, maxInvalidAttempts: 3, swapSample: 0.1 },
      ['run-a'],
      'run',
    );
    expect(zero.requestId).toBe(plain.requestId);
    expect(some.requestId).not.toBe(plain.requestId);
    expect(judgeRequestProblem({ ...some, swapSample: 1.5 })).toContain('not in 0..1');
  });
});
