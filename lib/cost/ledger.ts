import type { Counter } from 'prom-client';
import { costOf, type TokenCounts } from './cost.ts';
import type { PriceTable } from './prices.ts';

/** The stages that pay for model calls. */
export type PayingStage = 'responder' | 'judge';

/** What one stage of one run spent in this process. */
export interface StageSpend {
  /** USD of the priced calls. */
  usd: number;
  calls: number;
  /** Distinct pairs (record keys) the calls were for. */
  pairs: number;
  /** Calls whose cost is unknown (model not in the price table, or tokens not reported). */
  unpricedCalls: number;
  tokens: { input: number; output: number; reasoning: number };
}

/** One successful model call, as a stage reports it. */
export interface PaidCall {
  stage: PayingStage;
  runId: string;
  /** The model id the run or judge asks for: the price table's key. */
  model: string;
  /** The model's metric label (provider/model), as on the token counter. */
  label: string;
  /** The record the call was made for (runId/pairId): pairs are counted by it. */
  pairKey: string;
  tokens: TokenCounts;
}

/** Counts what the model calls of this process cost, per run and stage, and exports it. */
export interface CostLedger {
  readonly prices: PriceTable;
  /** Records a successful call; returns its cost, null when unknown. */
  record(call: PaidCall): number | null;
  /** What a run's calls in this process cost so far, per stage. */
  spent(runId: string): Record<PayingStage, StageSpend>;
}

const emptySpend = (): StageSpend => ({
  usd: 0,
  calls: 0,
  pairs: 0,
  unpricedCalls: 0,
  tokens: { input: 0, output: 0, reasoning: 0 },
});

/**
 * A ledger over a price table: each call's cost goes to `valbench_cost_usd_total{stage,model,run}`
 * and to the run's totals. A model with no price is warned about once and its calls counted as
 * unpriced: its cost is unknown, never 0.
 */
export function createCostLedger(deps: {
  prices: PriceTable;
  counter: Counter<'stage' | 'model' | 'run'>;
  warn: (message: string) => void;
}): CostLedger {
  const runs = new Map<string, Record<PayingStage, StageSpend>>();
  const pairsSeen = new Map<string, Set<string>>();
  const warned = new Set<string>();
  const entryOf = (runId: string): Record<PayingStage, StageSpend> => {
    let entry = runs.get(runId);
    if (entry === undefined) {
      entry = { responder: emptySpend(), judge: emptySpend() };
      runs.set(runId, entry);
    }
    return entry;
  };
  const copy = (spend: StageSpend): StageSpend => ({ ...spend, tokens: { ...spend.tokens } });
  return {
    prices: deps.prices,
    record(call) {
      const price = deps.prices.priceOf(call.model);
      if (price === null && !warned.has(call.model)) {
        warned.add(call.model);
        deps.warn(
          `no price for model ${call.model} in ${deps.prices.path}: its cost is unknown (add it to the file or pass --prices FILE)`,
        );
      }
      const usd = price === null ? null : costOf(price, call.tokens);
      const stage = entryOf(call.runId)[call.stage];
      stage.calls += 1;
      const seenId = `${call.stage}\u0000${call.runId}`;
      const seen = pairsSeen.get(seenId) ?? new Set<string>();
      pairsSeen.set(seenId, seen);
      seen.add(call.pairKey);
      stage.pairs = seen.size;
      stage.tokens.input += call.tokens.input ?? 0;
      stage.tokens.output += call.tokens.output ?? 0;
      stage.tokens.reasoning += call.tokens.reasoning ?? 0;
      if (usd === null) stage.unpricedCalls += 1;
      else {
        stage.usd += usd;
        deps.counter.inc({ stage: call.stage, model: call.label, run: call.runId }, usd);
      }
      return usd;
    },
    spent(runId) {
      const entry = runs.get(runId);
      return entry === undefined
        ? { responder: emptySpend(), judge: emptySpend() }
        : { responder: copy(entry.responder), judge: copy(entry.judge) };
    },
  };
}
