import { costOf, type TokenCounts } from '../../lib/cost/cost.ts';
import type { PriceTable } from '../../lib/cost/prices.ts';
import type { Judgment } from '../../lib/records/types.gen.ts';

/** What one judged pair used: both answers of the model under test, and the judge's calls. */
export interface PairUsage {
  /** runId/pairId/judgeId or a file's row: each counted once. */
  key: string;
  model: string | null;
  judgeModel: string | null;
  responder: TokenCounts;
  judge: TokenCounts;
}

/** A judgment's usage, from the token counts it carries (null where not reported). */
export function usageOfJudgment(j: Judgment): PairUsage {
  return {
    key: `${j.runId}/${j.pairId}/${j.judgeId}`,
    model: j.model,
    judgeModel: j.judge.model,
    responder: {
      input: j.responseInputTokens,
      output: j.responseOutputTokens,
      reasoning: j.responseReasoningTokens,
    },
    judge: {
      input: j.judgeInputTokens,
      output: j.judgeOutputTokens,
      reasoning: j.judgeReasoningTokens,
    },
  };
}

/** Usage of pairs, each key counted once (delivery is at least once). */
export function createUsageTally() {
  const byKey = new Map<string, PairUsage>();
  return {
    add(usage: PairUsage): void {
      byKey.set(usage.key, usage);
    },
    usages: (): PairUsage[] => [...byKey.values()],
  };
}

interface Group {
  stage: 'responder' | 'judge';
  model: string;
  pairs: number;
  counted: number;
  input: number;
  output: number;
  reasoning: number;
  usd: number;
}

const header = [
  'Stage',
  'Model',
  'Pairs',
  'Pairs with token counts',
  'Input tokens',
  'Output tokens (reasoning included)',
  'Reasoning tokens',
  'USD (pairs with token counts)',
  'USD per 1M input / output / reasoning',
  'Price source',
  'Price as of',
];

/**
 * The rows of cost.csv, header first: per stage and model, the pairs, the token totals of those
 * whose counts are known and what they cost at the price table, then a total. USD is "unknown"
 * for a model the table has no price for (never 0). null when no pair carries token counts.
 */
export function costTable(
  usages: readonly PairUsage[],
  prices: PriceTable,
): (string | number | null)[][] | null {
  const groups = new Map<string, Group>();
  for (const u of usages)
    for (const [stage, model, tokens] of [
      ['responder', u.model, u.responder],
      ['judge', u.judgeModel, u.judge],
    ] as const) {
      const name = model ?? 'unknown';
      const id = `${stage}\u0000${name}`;
      const g = groups.get(id) ?? {
        stage,
        model: name,
        pairs: 0,
        counted: 0,
        input: 0,
        output: 0,
        reasoning: 0,
        usd: 0,
      };
      groups.set(id, g);
      g.pairs += 1;
      const price = prices.priceOf(name);
      if (tokens.input === null || tokens.output === null) continue;
      g.counted += 1;
      g.input += tokens.input;
      g.output += tokens.output;
      g.reasoning += tokens.reasoning ?? 0;
      if (price !== null) g.usd += costOf(price, tokens) ?? 0;
    }
  const all = [...groups.values()];
  if (all.every((g) => g.counted === 0)) return null;
  let total: number | null = 0;
  const rows = all.map((g) => {
    const price = prices.priceOf(g.model);
    const usd = price === null ? null : g.usd;
    total = total === null || usd === null ? null : total + usd;
    return [
      g.stage,
      g.model,
      g.pairs,
      g.counted,
      g.input,
      g.output,
      g.reasoning,
      usd ?? 'unknown',
      price === null ? 'no price' : `${price.input} / ${price.output} / ${price.reasoning}`,
      price?.source ?? null,
      price?.asOf ?? null,
    ];
  });
  return [
    header,
    ...rows,
    ['total', null, null, null, null, null, null, total ?? 'unknown', null, null, null],
  ];
}

/** A token count from a file's cell (parquet gives int64 as bigint); null when absent. */
function count(value: unknown): number | null {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function sides(row: Record<string, unknown>, kind: string): number | null {
  const f = count(row[`for_${kind}_tokens`]);
  const a = count(row[`against_${kind}_tokens`]);
  return f === null || a === null ? null : f + a;
}

/**
 * A file row's usage (a valbench export's evaluation file): `model`, `judge_model`, each side's
 * `for_/against_{input,output,reasoning}_tokens` and the judge's `judge_{…}_tokens`. Files
 * without them (the reference's) have no token counts: their report has no cost.csv.
 */
export function usageOfRow(row: Record<string, unknown>, key: string): PairUsage {
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const f = count(row['for_reasoning_tokens']);
  const a = count(row['against_reasoning_tokens']);
  return {
    key,
    model: text(row['model']),
    judgeModel: text(row['judge_model']),
    responder: {
      input: sides(row, 'input'),
      output: sides(row, 'output'),
      reasoning: f === null && a === null ? null : (f ?? 0) + (a ?? 0),
    },
    judge: {
      input: count(row['judge_input_tokens']),
      output: count(row['judge_output_tokens']),
      reasoning: count(row['judge_reasoning_tokens']),
    },
  };
}
