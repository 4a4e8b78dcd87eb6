import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe, Offsets } from './cluster-probe.ts';
import type { LogState } from './lost-pairs.ts';
import type { TopicView } from './topic-watcher.ts';

/**
 * The committed offsets first, then the log ranges: a group commits an input offset only after
 * its output is written, so every output of a committed input lies below the ends read after.
 * Undefined while the broker does not answer.
 */
export async function readLogState(
  probe: ClusterProbe,
  names: TopicNames,
  groups: { responder: string; judge: string },
): Promise<LogState | undefined> {
  const responderCommitted = await probe.committed(groups.responder, names.prompts);
  const judgeCommitted = await probe.committed(groups.judge, names.responses);
  const prompts = await probe.logRange(names.prompts);
  const responses = await probe.logRange(names.responses);
  const judgments = await probe.logRange(names.judgments);
  if (
    responderCommitted === undefined ||
    judgeCommitted === undefined ||
    prompts === undefined ||
    responses === undefined ||
    judgments === undefined
  )
    return undefined;
  return { prompts, responses, judgments, responderCommitted, judgeCommitted };
}

/** The watcher has read the topic up to these ends. */
export function readUpTo(view: TopicView, end: Offsets): boolean {
  return [...end].every(([partition, offset]) => (view.next.get(partition) ?? 0) >= offset);
}

/** Waits until the watcher has read every topic up to the state's log ends; false on timeout. */
export async function watcherReached(
  views: { prompts: TopicView; responses: TopicView; judgments: TopicView },
  state: LogState,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      readUpTo(views.prompts, state.prompts.end) &&
      readUpTo(views.responses, state.responses.end) &&
      readUpTo(views.judgments, state.judgments.end)
    )
      return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** True when the group has committed everything the topic holds (nothing left to read). */
export function drained(committed: Offsets, range: { end: Offsets }): boolean {
  // -1 (nothing committed) is drained only for an empty partition.
  return [...range.end].every(
    ([partition, end]) => Math.max(committed.get(partition) ?? -1, 0) >= end,
  );
}
