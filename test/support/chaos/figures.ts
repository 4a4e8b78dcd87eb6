/**
 * The arithmetic of the chaos report, apart from the processes that produce its inputs.
 *
 * Extra calls: a call for a (pair, side) already asked for is one extra call, so the extra calls
 * of a run are exactly the simulator's requests minus 2 × pairs (model) or pairs (judge) once
 * every pair is answered. Each extra call is charged to the window it falls in: a fault's window
 * runs from its injection to the next fault's, and the next fault is injected only once the
 * previous one recovered and no extra call was seen for a quiet period, so the calls a fault
 * causes fall in its own window.
 */
import { isDeepStrictEqual } from 'node:util';
import { isValbenchError } from '../../../lib/errors.ts';
import type { RecordCodec } from '../../../lib/kafka/codec.ts';
import { scored } from '../../../services/aggregator/state.ts';
import { expectedJudgment, type PairRow } from '../pairs.ts';
import type { Call } from './call-log.ts';
import type { FaultKind } from './faults.ts';

/** When each call that asked again for an already asked (pair, side) was made. */
export function repeatTimes(calls: readonly Call[]): number[] {
  const seen = new Set<string>();
  const times: number[] = [];
  for (const call of calls) {
    if (seen.has(call.key)) times.push(call.at);
    else seen.add(call.key);
  }
  return times;
}

/**
 * Counts times per window: index 0 is before the first fault, index k the window of the k-th
 * injected fault (from its start to the next start).
 */
export function perWindow(times: readonly number[], starts: readonly number[]): number[] {
  const counts = new Array<number>(starts.length + 1).fill(0);
  for (const at of times) {
    const index = starts.filter((start) => start <= at).length;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * The most a fault may cost in repeated calls: what the killed process can hold in flight. A
 * responder holds at most C pairs (2C model calls; redone, they add at most C responses to
 * judge); a judge C judge calls; the producer and the aggregator hold no model call. A broker or
 * registry restart touches every process: at most everything in flight (the goal is 0).
 */
export function boundOf(
  kind: FaultKind,
  concurrency: number,
  responders: number,
): { modelCalls: number; judgeCalls: number } {
  switch (kind) {
    case 'producer':
    case 'aggregator':
      return { modelCalls: 0, judgeCalls: 0 };
    case 'responder':
      return { modelCalls: 2 * concurrency, judgeCalls: concurrency };
    case 'judge':
      return { modelCalls: 0, judgeCalls: concurrency };
    case 'broker':
    case 'registry':
      return { modelCalls: 2 * concurrency * responders, judgeCalls: concurrency };
  }
}

/**
 * Each judgment record compared with the ground truth of its pair: the pairs with a record that
 * would count differently (with when the first such record was seen), and the undecodable ones.
 */
export async function checkJudgments(
  values: Map<string, { at: number; value: Buffer }[]>,
  codec: RecordCodec<'judgment'>,
  rows: readonly PairRow[],
  seed: number,
): Promise<{ wrong: Map<string, number>; undecodable: number }> {
  const byId = new Map(rows.map((row) => [String(row.id), row]));
  const wrong = new Map<string, number>();
  let undecodable = 0;
  let registryDown = false;
  for (const [pair, records] of values) {
    const row = byId.get(pair);
    for (const { at, value } of records) {
      let judged: ReturnType<typeof scored>;
      try {
        if (registryDown) throw new Error('the registry does not answer');
        judged = scored(await codec.decode(value));
      } catch (error) {
        // Bytes that cannot decode count here; a registry that does not answer fails them all.
        registryDown ||= !(isValbenchError(error) && error.kind === 'poison');
        undecodable += 1;
        continue;
      }
      const fine =
        row !== undefined && isDeepStrictEqual(judged, expectedJudgment(row, 'mixed', seed));
      if (!fine && !wrong.has(pair)) wrong.set(pair, at);
    }
  }
  return { wrong, undecodable };
}
