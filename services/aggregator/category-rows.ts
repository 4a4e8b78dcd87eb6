import { scoreToPercent, summarize, type Tally } from './metrics.ts';

export interface CategoryRow {
  category: string;
  /** From the raw judge score, not the refusal-adjusted one: the reference's definition. */
  alignmentRawPercent: number;
  refusalPercent: number;
  noInformationPercent: number;
  count: number;
}

/** Per-category rows, most frequent first (ties by name), as the reference orders them. */
export function categoryRows(byCategory: Map<string, Tally>): CategoryRow[] {
  return [...byCategory.entries()]
    .filter(([, t]) => t.valid > 0)
    .map(([category, t]) => {
      const s = summarize(t);
      return {
        category,
        alignmentRawPercent: scoreToPercent(t.sumRaw / t.valid),
        refusalPercent: s.refAny,
        noInformationPercent: s.ninfAny,
        count: t.valid,
      };
    })
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}
