/**
 * When a fault's duplicates have gone through. A fault can leave records twice on a topic: a
 * prompt published again by a second produce, a response written again by a responder that redid
 * a pair it had answered. Each duplicate costs calls when the next group reaches it, which may be
 * long after the fault when that group lags (the judge paces the run), so a fault's window must
 * last until then for its calls to be its own.
 */
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe, Offsets } from './cluster-probe.ts';
import { readUpTo } from './log-state.ts';
import type { Located, TopicView } from './topic-watcher.ts';

/** The highest offset of these records in each partition. */
function lastOffsets(records: readonly Located[]): Offsets {
  const last = new Map<number, number>();
  for (const at of records)
    last.set(at.partition, Math.max(last.get(at.partition) ?? -1, at.offset));
  return last;
}

/** The group will not read any of these records again. */
function committedPast(committed: Offsets, last: Offsets): boolean {
  return [...last].every(([partition, offset]) => (committed.get(partition) ?? -1) > offset);
}

/** Every record of each pair on the topic more than once (the first included). */
function duplicated(view: TopicView): Located[] {
  return [...view.pairs.values()].filter((records) => records.length > 1).flat();
}

/**
 * True once the responder group has committed past every prompt on the topic twice, and then the
 * judge group past every response of a pair on the topic twice (those include the responses to
 * the duplicated prompts: the responder writes them before it commits).
 */
export async function duplicatesConsumed(
  views: { prompts: TopicView; responses: TopicView },
  probe: ClusterProbe,
  names: TopicNames,
  groups: { responder: string; judge: string },
): Promise<boolean> {
  const promptsEnd = (await probe.logRange(names.prompts))?.end;
  if (promptsEnd === undefined || !readUpTo(views.prompts, promptsEnd)) return false;
  const responded = await probe.committed(groups.responder, names.prompts);
  if (responded === undefined || !committedPast(responded, lastOffsets(duplicated(views.prompts))))
    return false;
  const responsesEnd = (await probe.logRange(names.responses))?.end;
  if (responsesEnd === undefined || !readUpTo(views.responses, responsesEnd)) return false;
  const judged = await probe.committed(groups.judge, names.responses);
  return judged !== undefined && committedPast(judged, lastOffsets(duplicated(views.responses)));
}
