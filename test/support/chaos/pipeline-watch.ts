/**
 * What the chaos run watches while it runs: progress (pairs judged, counted), whether anything
 * still moves, and, at the end of each fault's window, which pairs are lost so far.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicNames } from '../../../lib/topics.ts';
import type { CallLog } from './call-log.ts';
import type { ClusterProbe } from './cluster-probe.ts';
import { readLogState, watcherReached } from './log-state.ts';
import { lostPairs } from './lost-pairs.ts';
import type { Stages } from './stages.ts';
import type { TopicWatcher } from './topic-watcher.ts';

export interface PipelineWatch {
  /** Distinct pairs with a judgment on the topic. */
  judged(): number;
  /** The aggregator's count for the run, the last known one while it does not answer. */
  counted(): Promise<number>;
  /** Waits until the condition holds (true), or nothing moved for stallMs or the deadline passed. */
  until(condition: () => Promise<boolean>, stallMs: number, deadline?: number): Promise<boolean>;
  /** The pairs the pipeline can no longer deliver now (every pair while the broker is down). */
  lost(): Promise<Set<string>>;
}

export function watchPipeline(deps: {
  stages: Stages;
  watcher: TopicWatcher;
  probe: ClusterProbe;
  names: TopicNames;
  runId: () => string;
  pairIds: readonly string[];
  calls: readonly CallLog[];
}): PipelineWatch {
  const { stages, watcher, probe, names, pairIds } = deps;
  let lastCount = 0;
  const counted = async (): Promise<number> => {
    lastCount = (await stages.aggregated(deps.runId()))?.count ?? lastCount;
    return lastCount;
  };
  // Anything read, written, asked or counted anywhere changes this.
  const movement = async (): Promise<string> => {
    const seen = [watcher.prompts, watcher.responses, watcher.judgments].map((v) =>
      [...v.next.values()].reduce((a, b) => a + b, 0),
    );
    return [...seen, ...deps.calls.map((c) => c.calls.length), await counted()].join(',');
  };
  return {
    judged: () => watcher.judgments.pairs.size,
    counted,
    async until(condition, stallMs, deadline = Infinity) {
      let last = await movement();
      let movedAt = Date.now();
      for (;;) {
        if (await condition()) return true;
        const now = await movement();
        if (now !== last) {
          last = now;
          movedAt = Date.now();
        }
        if (Date.now() - movedAt > stallMs || Date.now() > deadline) return false;
        await sleep(100);
      }
    },
    async lost() {
      const deadline = Date.now() + 30_000;
      let state = await readLogState(probe, names, stages.groups);
      while (state === undefined && Date.now() < deadline) {
        await sleep(500);
        state = await readLogState(probe, names, stages.groups);
      }
      if (state === undefined) return new Set(pairIds);
      await watcherReached(watcher, state, 15_000);
      return lostPairs(pairIds, watcher, state, false);
    },
  };
}
