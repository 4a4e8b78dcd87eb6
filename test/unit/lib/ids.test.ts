import { describe, expect, it } from 'vitest';
import { judgeIdOf, judgeRequestIdOf, runIdOf } from '../../../lib/ids.ts';
import { sampleJudgment, sampleRun } from '../../support/fixtures.ts';

describe('run ids', () => {
  it('stay what they were before pair ids could be named (computed with the code of 63a68c0)', () => {
    expect(runIdOf(sampleRun())).toBe('run-168bf95c4aaa3336');
  });

  it('differ when explicit pair ids are named, and with the ids named', () => {
    const all = runIdOf(sampleRun());
    const some = runIdOf(sampleRun({ dataset: { ...sampleRun().dataset, pairIds: ['1', '2'] } }));
    const others = runIdOf(sampleRun({ dataset: { ...sampleRun().dataset, pairIds: ['1', '3'] } }));
    expect(new Set([all, some, others]).size).toBe(3);
  });
});

describe('judge request ids', () => {
  it('are the same for the same judge and runs in any order, repeated or not', () => {
    expect(judgeRequestIdOf('judge-a', ['run-2', 'run-1'])).toBe(
      judgeRequestIdOf('judge-a', ['run-1', 'run-2', 'run-1']),
    );
  });

  it('differ by judge and by runs', () => {
    const ids = [
      judgeRequestIdOf('judge-a', ['run-1']),
      judgeRequestIdOf('judge-b', ['run-1']),
      judgeRequestIdOf('judge-a', ['run-1', 'run-2']),
    ];
    expect(new Set(ids).size).toBe(3);
  });
});

describe('judge ids', () => {
  it('stay what they were before judges could label values (computed with the code of 63a68c0)', () => {
    expect(judgeIdOf(sampleJudgment().judge)).toBe('judge-246d5f488d04aab9');
  });

  it('differ when the judge labels values, and with the taxonomy', () => {
    const judge = sampleJudgment().judge;
    const ids = [
      judgeIdOf(judge),
      judgeIdOf({ ...judge, values: ['care', 'liberty'] }),
      judgeIdOf({ ...judge, values: ['care', 'fairness'] }),
    ];
    expect(new Set(ids).size).toBe(3);
  });
});
