import { createHash } from 'node:crypto';
import type { JudgeConfig, RunConfig } from './records/types.gen.ts';

/** JSON with object keys sorted at every level, so equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function shortHash(prefix: string, value: unknown): string {
  return `${prefix}-${createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16)}`;
}

/** The run id: a hash of the whole run configuration (model, sampling, dataset selection, ...). */
export function runIdOf(run: RunConfig): string {
  // Fields added after runs were stored are hashed only when set, so stored runs keep their ids.
  const { pairIds, ...dataset } = run.dataset;
  return shortHash('run', { ...run, dataset: pairIds === null ? dataset : run.dataset });
}

/** The judge id: a hash of the judge configuration (model, rubric hash, sampling, pair order). */
export function judgeIdOf(judge: JudgeConfig): string {
  // Fields added after judges were stored are hashed only when set, so stored judges keep their ids.
  const { values, ...rest } = judge;
  return shortHash('judge', values === null ? rest : judge);
}

/** A judge request's id: the judge and the sorted runs, so asking the same twice is one request. */
export function judgeRequestIdOf(
  judgeId: string,
  runIds: readonly string[],
  swapSample = 0,
): string {
  const runs = [...new Set(runIds)].sort();
  return shortHash(
    'jreq',
    swapSample === 0 ? { judgeId, runIds: runs } : { judgeId, runIds: runs, swapSample },
  );
}

export const pairKey = (runId: string, pairId: string): string => `${runId}/${pairId}`;
export const judgmentKey = (runId: string, pairId: string, judgeId: string): string =>
  `${runId}/${pairId}/${judgeId}`;
