import { describe, expect, it } from 'vitest';
import { costLimitLine, costRows, progressCost } from '../../../cli/cost-lines.ts';

const cost = {
  responder: { spentUsd: 0.3, estimateUsd: 3 },
  judge: { spentUsd: null, estimateUsd: null },
  total: { spentUsd: null, estimateUsd: null },
};

describe('cost lines', () => {
  it('the progress line shows the total so far and its estimate; unknown stays unknown', () => {
    expect(progressCost(cost)).toBe('cost unknown (est. unknown)');
    expect(progressCost({ ...cost, total: { spentUsd: 0.41, estimateUsd: 3.9 } })).toBe(
      'cost $0.41 (est. $3.90)',
    );
  });

  it('the summary keeps responder and judge apart, and says when it counts one attempt', () => {
    const [spent, estimate] = costRows(cost, 40, { simulated: true, resumed: false });
    expect(spent).toEqual([
      'cost so far: responder / judge / total',
      '$0.30 / unknown / unknown (simulated calls, priced as the named models)',
    ]);
    expect(estimate).toEqual(['estimate for 40 pairs', '$3.00 / unknown / unknown']);
    const [resumed] = costRows(cost, 40, { simulated: false, resumed: true });
    expect(resumed?.[0]).toBe('cost of this attempt: responder / judge / total');
    expect(resumed?.[1]).toBe('$0.30 / unknown / unknown');
  });

  it('the cost-limit line says how far intake got', () => {
    const line = costLimitLine({ maxUsd: 5, published: 212, projectedUsd: 5.01 }, 1000, {
      ...cost,
      total: { spentUsd: 4.93, estimateUsd: 23.1 },
    });
    expect(line).toBe(
      'stopped at the cost limit (--max-cost $5.00): 212 of 1000 pairs published, $4.93 spent, estimate for the whole run $23.10; the next pair would have brought the projection to $5.01',
    );
    const none = costLimitLine({ maxUsd: 0.01, published: 0, projectedUsd: 0.023 }, 40, cost);
    expect(none).toContain('0 of 40 pairs published');
    expect(none).toContain('raise --max-cost or lower those');
  });
});
