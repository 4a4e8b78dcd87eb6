/**
 * The arithmetic of the chaos report, apart from the processes that produce its inputs.
 *
 * Extra calls: a call for a (pair, side) already asked for is one extra call, so the extra calls
 * of a run are exactly the simulator's requests minus 2 × pairs (model) or pairs (judge) once
 * every pair is answered. Each extra call is charged to the first fault that struck before it
 * and had not yet recovered when the call it repeats was made: that call was then in flight or
 * waiting for its commit (it may have been made seconds before the kill) or cut short by the
 * fault's rebalance, and it is charged there however late it is asked again (a member reaches a
 * partition it took over when its pool has room). When no fault qualifies, the call is charged
 * to the fault whose window it falls in (the duplicates a fault left, consumed before the next).
 * A judge call repeated because the pair was answered again goes where that answer's calls went.
 */
import { isDeepStrictEqual } from 'node:util';
import { isValbenchError } from '../../../lib/errors.ts';
import type { RecordCodec } from '../../../lib/kafka/codec.ts';
import { scored } from '../../../services/aggregator/state.ts';
import { expectedJudgment, type PairRow } from '../pairs.ts';
import type { Call } from './call-log.ts';
import type { FaultKind } from './faults.ts';

/** A call that asked again for an already asked (pair, side): when, and when the call before. */
export interface Repeat {
  key: string;
  at: number;
  previousAt: number;
}

export function repeats(calls: readonly Call[]): Repeat[] {
  const last = new Map<string, number>();
  const found: Repeat[] = [];
  for (const call of calls) {
    const previousAt = last.get(call.key);
    if (previousAt !== undefined) found.push({ key: call.key, at: call.at, previousAt });
    last.set(call.key, call.at);
  }
  return found;
}

/** A fault as the attribution sees it: when it struck and when it recovered (null: never). */
export interface FaultSpan {
  start: number;
  recoveredAt: number | null;
}

/** The index of the fault a repeat is charged to (0: before the first fault), as the header says. */
function chargedTo(repeat: Repeat, faults: readonly FaultSpan[]): number {
  const { at, previousAt } = repeat;
  const cause = faults.findIndex(
    (f) => f.start <= at && (f.recoveredAt === null || f.recoveredAt >= previousAt),
  );
  return cause >= 0 ? cause + 1 : faults.filter((f) => f.start <= at).length;
}

const pairOf = (key: string): string => key.slice(0, key.lastIndexOf('/'));

/**
 * Extra model and judge calls per fault: index 0 before the first fault, index k the k-th
 * injected fault (in order). A pair judged again after its model calls were repeated was judged
 * again because it was answered again (a second response): that judge call is charged where the
 * last of those model calls was, however late the judge came to it.
 */
export function extraPerFault(
  modelRepeats: readonly Repeat[],
  judgeRepeats: readonly Repeat[],
  faults: readonly FaultSpan[],
): { model: number[]; judge: number[] } {
  const model = new Array<number>(faults.length + 1).fill(0);
  const judge = new Array<number>(faults.length + 1).fill(0);
  for (const repeat of modelRepeats) {
    const index = chargedTo(repeat, faults);
    model[index] = (model[index] ?? 0) + 1;
  }
  for (const repeat of judgeRepeats) {
    const answeredAgain = modelRepeats.findLast(
      (m) => pairOf(m.key) === pairOf(repeat.key) && m.at < repeat.at,
    );
    const index = chargedTo(answeredAgain ?? repeat, faults);
    judge[index] = (judge[index] ?? 0) + 1;
  }
  return { model, judge };
}

/** Counts times per window: index 0 before the first fault, index k from the k-th start on. */
export function perWindow(times: readonly number[], starts: readonly number[]): number[] {
  const counts = new Array<number>(starts.length + 1).fill(0);
  for (const at of times) {
    const index = starts.filter((start) => start <= at).length;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * The most a fault may cost in repeated calls: what its consumer group can hold. A stage holds at
 * most twice its limit of records between fetch and commit (its calls in flight, the pairs whose
 * other side is still asked, and the finished ones whose commit has not landed yet): a responder
 * process 2C pairs (4C model calls; redone, they add at most 2C responses to judge), a judge
 * process 2C judge calls; the producer and the aggregator hold no model call.
 * Killing one responder of several costs up to the whole group's in flight, not only the killed
 * member's: when it comes back the group rebalances (kafkajs's eager protocol revokes every
 * partition), and the calls a surviving member had in flight on the partitions it hands over
 * are aborted and redone by their new owner. A broker or registry restart touches every
 * process: at most everything in flight (the goal is 0).
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
      return { modelCalls: 4 * concurrency * responders, judgeCalls: 2 * concurrency * responders };
    case 'judge':
      return { modelCalls: 0, judgeCalls: 2 * concurrency };
    case 'broker':
    case 'registry':
      return {
        modelCalls: 4 * concurrency * responders,
        judgeCalls: 2 * concurrency * responders + 2 * concurrency,
      };
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
