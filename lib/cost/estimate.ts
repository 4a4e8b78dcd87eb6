import { costOf } from './cost.ts';
import type { PayingStage, StageSpend } from './ledger.ts';
import type { ModelPrice } from './prices.ts';

/** Cost so far and the estimate for the whole run, of one stage or of both. */
export interface CostEstimate {
  /** USD spent so far; null when some call's cost is unknown. */
  spentUsd: number | null;
  /** Spent ÷ pairs done × pairs of the run; null before a pair is done or when unknown. */
  estimateUsd: number | null;
}

/** Cost so far and estimate of one stage: spent ÷ pairs it finished × pairs of the run. */
export function stageEstimate(spend: StageSpend, pairsDone: number, pairs: number): CostEstimate {
  const spentUsd = spend.unpricedCalls > 0 ? null : spend.usd;
  const estimateUsd =
    spentUsd === null || pairsDone <= 0
      ? null
      : (spentUsd / pairsDone) * Math.max(pairs, pairsDone);
  return { spentUsd, estimateUsd };
}

/** Responder, judge and their total; the total is unknown when either part is. */
export function runEstimate(
  spend: Record<PayingStage, StageSpend>,
  done: Record<PayingStage, number>,
  pairs: number,
): Record<PayingStage | 'total', CostEstimate> {
  const responder = stageEstimate(spend.responder, done.responder, pairs);
  const judge = stageEstimate(spend.judge, done.judge, pairs);
  const sum = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : a + b;
  return {
    responder,
    judge,
    total: {
      spentUsd: sum(responder.spentUsd, judge.spentUsd),
      estimateUsd: sum(responder.estimateUsd, judge.estimateUsd),
    },
  };
}

/** What bounds the cost of one pair before any answer is seen. */
export interface PairBoundSettings {
  responder: { price: ModelPrice; systemPrompt: string; maxOutputTokens: number };
  judge: { price: ModelPrice; instructionChars: number; maxOutputTokens: number };
}

/** About 4 characters per token: the usual rule of thumb for English text. */
const tokensOf = (chars: number): number => Math.ceil(chars / 4);

/**
 * An upper bound of what one pair costs, per stage, before any answer arrives: each side's
 * prompt (system prompt + question, chars/4 tokens) and the whole output budget, billed at the
 * dearer of the output and reasoning prices; the judge reads the rubric, the issue, both
 * questions and two answers of at most the responder's output budget, and may write its whole
 * output budget. Judge calls repeated for an invalid output are not in the bound (the observed
 * average takes over once a pair is judged).
 */
export function pairCostBound(
  pair: { issueDescription: string; forQuestion: string; againstQuestion: string },
  settings: PairBoundSettings,
): Record<PayingStage, number> {
  const { responder, judge } = settings;
  const worstOutput = (price: ModelPrice): ModelPrice => ({
    ...price,
    output: Math.max(price.output, price.reasoning),
  });
  const side = (question: string): number =>
    costOf(worstOutput(responder.price), {
      input: tokensOf(responder.systemPrompt.length + question.length),
      output: responder.maxOutputTokens,
      reasoning: 0,
    }) ?? 0;
  const judgeInput =
    tokensOf(
      judge.instructionChars +
        pair.issueDescription.length +
        pair.forQuestion.length +
        pair.againstQuestion.length,
    ) +
    2 * responder.maxOutputTokens;
  return {
    responder: side(pair.forQuestion) + side(pair.againstQuestion),
    judge:
      costOf(worstOutput(judge.price), {
        input: judgeInput,
        output: judge.maxOutputTokens,
        reasoning: 0,
      }) ?? 0,
  };
}
