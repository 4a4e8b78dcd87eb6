import type { PayingStage } from './ledger.ts';

/** Where the run stands when the producer asks whether it may publish the next pair. */
export interface BudgetState {
  maxUsd: number;
  /** USD spent so far by both stages. */
  spentUsd: number;
  /** Pairs published and not yet answered (or dead-lettered) by the responder. */
  awaitingResponder: number;
  /** Pairs answered and not yet judged (or dead-lettered). */
  awaitingJudge: number;
  /** What one more pair is expected to cost, per stage. */
  perPair: Record<PayingStage, number>;
}

export type IntakeDecision = 'publish' | 'wait' | 'stop';

/** What the run is projected to cost when every pair in flight and the next one are paid. */
export function projectedUsd(state: BudgetState): number {
  const { responder, judge } = state.perPair;
  return (
    state.spentUsd +
    state.awaitingResponder * (responder + judge) +
    state.awaitingJudge * judge +
    responder +
    judge
  );
}

/**
 * May the next pair be published under the budget? Yes when the spend so far, the expected cost
 * of the pairs in flight and of this one stay within it; otherwise wait while pairs are in flight
 * (they may cost less than expected), and stop when none is: the next pair would pass the budget.
 */
export function decideIntake(state: BudgetState): IntakeDecision {
  if (projectedUsd(state) <= state.maxUsd) return 'publish';
  return state.awaitingResponder + state.awaitingJudge > 0 ? 'wait' : 'stop';
}
