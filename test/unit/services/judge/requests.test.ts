import { describe, expect, it } from 'vitest';
import { loadRubric } from '../../../../services/judge/prompt.ts';
import { judgeRequestOf, judgeRequestProblem } from '../../../../services/judge/stage.ts';
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
