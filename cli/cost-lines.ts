import { formatUsd } from '../lib/cost/cost.ts';
import type { CostEstimate } from '../lib/cost/estimate.ts';
import type { RunCost } from './evaluate.ts';

/** `$1.20 (est. $4.80)`: spent so far and the estimate for the whole run. */
function spentAndEstimate(c: CostEstimate): string {
  return `${formatUsd(c.spentUsd)} (est. ${formatUsd(c.estimateUsd)})`;
}

/** The cost part of the progress line: the total so far and its estimate. */
export function progressCost(cost: RunCost): string {
  return `cost ${spentAndEstimate(cost.total)}`;
}

/**
 * The summary rows: responder, judge and total, each spent so far and estimated for the run. A
 * resumed run counts this attempt's calls only (the report's cost.csv counts every attempt).
 */
export function costRows(
  cost: RunCost,
  pairs: number,
  flags: { simulated: boolean; resumed: boolean },
): [string, string][] {
  const label = flags.simulated ? ' (simulated calls, priced as the named models)' : '';
  return [
    [
      `cost ${flags.resumed ? 'of this attempt' : 'so far'}: responder / judge / total`,
      `${formatUsd(cost.responder.spentUsd)} / ${formatUsd(cost.judge.spentUsd)} / ${formatUsd(cost.total.spentUsd)}${label}`,
    ],
    [
      `estimate for ${pairs} pairs`,
      `${formatUsd(cost.responder.estimateUsd)} / ${formatUsd(cost.judge.estimateUsd)} / ${formatUsd(cost.total.estimateUsd)}`,
    ],
  ];
}

/** The line a run stopped by --max-cost ends with. */
export function costLimitLine(
  limit: { maxUsd: number; published: number; projectedUsd: number },
  pairs: number,
  cost: RunCost,
): string {
  const line = `stopped at the cost limit (--max-cost ${formatUsd(limit.maxUsd)}): ${limit.published} of ${pairs} pairs published, ${formatUsd(cost.total.spentUsd)} spent, estimate for the whole run ${formatUsd(cost.total.estimateUsd)}; the next pair would have brought the projection to ${formatUsd(limit.projectedUsd)}`;
  // Nothing published: one pair's upper bound (its whole output budgets) passes the budget.
  return limit.published > 0
    ? line
    : `${line} (one pair's upper bound, with the whole --max-output-tokens and --judge-max-output-tokens, passes the budget: raise --max-cost or lower those)`;
}
