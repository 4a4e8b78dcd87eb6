/**
 * Which pairs the pipeline can no longer deliver on its own, from what the topics hold now and
 * where the responder and judge groups have committed. A pair is lost when its furthest surviving
 * record cannot move on: a judgment survives (the aggregator rebuilds from the topic: not lost);
 * else a response survives that the judge group committed past (skipped: lost) or not (it will
 * be judged: not lost); else a prompt survives, likewise for the responder group; else nothing of
 * it survives (never published once producing ended, or vanished from the log): lost.
 */
import type { Offsets } from './cluster-probe.ts';
import type { Located, TopicView } from './topic-watcher.ts';

/** Log ranges of the three topics and the committed offsets of the groups reading two of them. */
export interface LogState {
  prompts: { start: Offsets; end: Offsets };
  responses: { start: Offsets; end: Offsets };
  judgments: { start: Offsets; end: Offsets };
  responderCommitted: Offsets;
  judgeCommitted: Offsets;
}

function survives(at: Located, range: { start: Offsets; end: Offsets }): boolean {
  return (
    at.offset >= (range.start.get(at.partition) ?? 0) &&
    at.offset < (range.end.get(at.partition) ?? 0)
  );
}

/** The pair's surviving records of a topic, or none. */
function surviving(
  view: TopicView,
  pair: string,
  range: { start: Offsets; end: Offsets },
): Located[] {
  return (view.pairs.get(pair) ?? []).filter((at) => survives(at, range));
}

/** Every surviving record sits below the group's committed offset: the group will not read it. */
function committedPast(records: Located[], committed: Offsets): boolean {
  return records.every((at) => at.offset < (committed.get(at.partition) ?? -1));
}

export function lostPairs(
  pairIds: readonly string[],
  views: { prompts: TopicView; responses: TopicView; judgments: TopicView },
  state: LogState,
  producing: boolean,
): Set<string> {
  const lost = new Set<string>();
  for (const pair of pairIds) {
    if (surviving(views.judgments, pair, state.judgments).length > 0) continue;
    const responses = surviving(views.responses, pair, state.responses);
    if (responses.length > 0) {
      if (committedPast(responses, state.judgeCommitted)) lost.add(pair);
      continue;
    }
    const prompts = surviving(views.prompts, pair, state.prompts);
    if (prompts.length > 0) {
      if (committedPast(prompts, state.responderCommitted)) lost.add(pair);
      continue;
    }
    if (!producing) lost.add(pair);
  }
  return lost;
}
