import { decideIntake, projectedUsd, type IntakeDecision } from './budget.ts';
import type { CostLedger, PayingStage } from './ledger.ts';

/** The text of a pair that bounds its cost before it is answered. */
export interface PairText {
  issueDescription: string;
  forQuestion: string;
  againstQuestion: string;
}

/** The producer's one question to the budget: may the next pair be published? */
export interface IntakeGate {
  /** Resolves true to publish the pair, false to stop intake (budget reached or aborted). */
  admit(pair: PairText): Promise<boolean>;
  /** Wakes an `admit` that waits for pairs in flight: call when pairs finish. */
  update(): void;
  /** Why intake stopped (null: it did not): the projection that passed the budget. */
  stoppedAt(): { projectedUsd: number } | null;
}

/**
 * Paces intake by a budget: a pair is published only when the spend so far, the expected cost of
 * the pairs in flight and its own stay within `maxUsd`. Before a stage has finished a pair, a
 * pair is expected to cost its upper bound (prompt length and output budgets at the price table's
 * prices); after, the stage's observed average per pair paid for. While pairs are in flight and
 * the next would pass, it waits for them (their real cost may leave room); with none in flight it
 * stops.
 */
export function createBudgetGate(deps: {
  maxUsd: number;
  runId: string;
  ledger: CostLedger;
  /** An upper bound of one pair's cost per stage, before any answer (see `pairCostBound`). */
  bound: (pair: PairText) => Record<PayingStage, number>;
  /** Pairs the responder finished, and pairs judged or dead-lettered, in this process. */
  done: () => { responder: number; judge: number };
  signal?: AbortSignal;
}): IntakeGate {
  let admitted = 0;
  let stopped: { projectedUsd: number } | null = null;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  deps.signal?.addEventListener('abort', wake, { once: true });

  const decide = (pair: PairText): { decision: IntakeDecision; projected: number } => {
    const spend = deps.ledger.spent(deps.runId);
    const done = deps.done();
    const bound = deps.bound(pair);
    // Averages over what was paid for: two answers make a responder pair, and a judge's
    // pair is every call made for it (so a dead-lettered pair does not dilute them).
    const average = (usd: number, n: number, fallback: number): number =>
      n > 0 ? usd / n : fallback;
    const state = {
      maxUsd: deps.maxUsd,
      spentUsd: spend.responder.usd + spend.judge.usd,
      awaitingResponder: Math.max(0, admitted - done.responder),
      awaitingJudge: Math.max(0, Math.min(admitted, done.responder) - done.judge),
      perPair: {
        responder: average(spend.responder.usd, spend.responder.calls / 2, bound.responder),
        judge: average(spend.judge.usd, spend.judge.pairs, bound.judge),
      },
    };
    return { decision: decideIntake(state), projected: projectedUsd(state) };
  };

  return {
    async admit(pair) {
      for (;;) {
        if (stopped !== null || deps.signal?.aborted === true) return false;
        const { decision, projected } = decide(pair);
        if (decision === 'publish') {
          admitted += 1;
          return true;
        }
        if (decision === 'stop') {
          stopped = { projectedUsd: projected };
          return false;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    update: wake,
    stoppedAt: () => stopped,
  };
}
