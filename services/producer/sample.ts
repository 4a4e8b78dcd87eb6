import { createHash } from 'node:crypto';
import { ValbenchError } from '../../lib/errors.ts';

/** What a run selects from a dataset: every pair, the first N, a seeded sample, or named ids. */
export interface SelectionRule {
  limit: number | null;
  seed: number | null;
  pairIds: readonly string[] | null;
}

/**
 * Picks the pairs of a run from their ids alone, offered once each in dataset order, so a
 * dataset of any size is selected without holding its rows (ids are short: 115K of them are a
 * few MB). The picks are those of ordering every row by sha256(seed:id) and taking the first
 * `limit` (with a seed), or the first `limit` rows (without): the same seed picks the same pairs
 * on any machine, so runs of different models see the same pairs.
 */
export interface PairSelector {
  /** One row's id, in dataset order. A second row with the same id is an error naming it. */
  offer(id: string, where: string): void;
  /** The ids picked, once every row was offered (unknown `pairIds` are an error). */
  picked(): Set<string>;
}

/** The seeded sample's order key of a pair. */
export function sampleKey(seed: number, id: string): string {
  return createHash('sha256').update(`${seed}:${id}`).digest('hex');
}

/** A selector for one run's rule over one dataset (named in its errors). */
export function createPairSelector(rule: SelectionRule, dataset: string): PairSelector {
  const { limit, seed, pairIds } = rule;
  const seen = new Set<string>();
  const firstIds: string[] = [];
  // The best `limit` (key, id) so far, and the candidates since the last cut: sorted and cut back
  // to `limit` whenever they reach twice that, so at most 2 × limit are held.
  let candidates: { key: string; id: string }[] = [];
  const byKey = (a: { key: string }, b: { key: string }): number =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  const cut = (): void => {
    candidates.sort(byKey);
    candidates = candidates.slice(0, limit ?? undefined);
  };
  return {
    offer(id, where) {
      if (seen.has(id))
        throw new ValbenchError(
          'fatal',
          'DATASET_ROW_INVALID',
          `${where}: id ${id} appears on an earlier row too (pair ids must be unique: they key the run's records)`,
        );
      seen.add(id);
      if (pairIds !== null || limit === null) return;
      if (seed === null) {
        if (firstIds.length < limit) firstIds.push(id);
        return;
      }
      candidates.push({ key: sampleKey(seed, id), id });
      if (candidates.length >= 2 * Math.max(limit, 1)) cut();
    },
    picked() {
      if (pairIds !== null) {
        const missing = pairIds.filter((id) => !seen.has(id));
        if (missing.length > 0)
          throw new ValbenchError(
            'fatal',
            'PAIR_IDS_UNKNOWN',
            `${dataset} has no pair with id ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`,
          );
        return new Set(pairIds);
      }
      // Every pair (a seeded sample of them all is all of them, in another order).
      if (limit === null) return seen;
      if (seed === null) return new Set(firstIds);
      cut();
      return new Set(candidates.map((c) => c.id));
    },
  };
}
