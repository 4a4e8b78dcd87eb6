/**
 * Publishing the run: once, or with the producer fault: `valbench produce` is killed with SIGKILL
 * once the prompts topic holds `killAt` records (it publishes in acknowledged batches, so the kill
 * lands at the first batch boundary at or past that point), then produce runs again to the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe, Offsets } from './cluster-probe.ts';
import { readUpTo } from './log-state.ts';
import type { CliProcess } from '../cli.ts';
import type { Stages } from './stages.ts';
import type { Located, TopicView } from './topic-watcher.ts';

/** The run id `valbench produce` prints when it is done. */
async function producedRunId(run: CliProcess): Promise<string> {
  const code = await run.exit;
  const line = run.lines.find((l) => l.startsWith('{"runId"'));
  if (code !== 0 || line === undefined)
    throw new Error(`valbench produce exited ${code}:\n${run.lines.slice(-20).join('\n')}`);
  return (JSON.parse(line) as { runId: string }).runId;
}

export function produceOnce(stages: Stages): Promise<string> {
  return producedRunId(stages.produce());
}

export interface KilledProduce {
  runId: string;
  /** When the SIGKILL was sent (or the first producer found already gone). */
  killedAt: number;
  /** Prompt records on the topic when the kill was sent. */
  publishedAtKill: number;
  /** Pairs judged when the kill was sent. */
  judgedAtKill: number;
  killed: boolean;
}

export async function produceWithKill(
  stages: Stages,
  probe: ClusterProbe,
  names: TopicNames,
  killAt: number,
  judged: () => number,
): Promise<KilledProduce> {
  const first = stages.produce();
  let published = 0;
  while (first.child.exitCode === null) {
    const range = await probe.logRange(names.prompts);
    published = [...(range?.end ?? [])].reduce((sum, [, end]) => sum + end, 0);
    if (published >= killAt) break;
    await sleep(10);
  }
  const killedAt = Date.now();
  const judgedAtKill = judged();
  // The producer may have finished between the last look and now: then nothing is killed.
  const killed = first.child.exitCode === null && first.child.kill('SIGKILL');
  await first.exit;
  const runId = await produceOnce(stages);
  return { runId, killedAt, publishedAtKill: published, judgedAtKill, killed };
}

/** The highest offset of these records in each partition. */
function lastOffsets(records: readonly Located[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const at of records)
    last.set(at.partition, Math.max(last.get(at.partition) ?? -1, at.offset));
  return last;
}

function committedPast(committed: Offsets, last: Map<number, number>): boolean {
  return [...last].every(([partition, offset]) => (committed.get(partition) ?? -1) > offset);
}

/**
 * A check that the prompts a second produce published again (duplicates) have gone through: the
 * responder group committed past the last duplicate of every partition, then the judge group past
 * the last response of those pairs. Until then the duplicates still cost model and judge calls,
 * which belong to the producer fault's window. True at once when no pair was published twice.
 */
export function duplicatesJudged(
  views: { prompts: TopicView; responses: TopicView },
  probe: ClusterProbe,
  names: TopicNames,
  groups: { responder: string; judge: string },
): () => Promise<boolean> {
  let lastResponses: Map<number, number> | undefined;
  return async () => {
    if (lastResponses === undefined) {
      const promptsEnd = (await probe.logRange(names.prompts))?.end;
      if (promptsEnd === undefined || !readUpTo(views.prompts, promptsEnd)) return false;
      const duplicated = [...views.prompts.pairs].filter(([, records]) => records.length > 1);
      if (duplicated.length === 0) return true;
      const responded = await probe.committed(groups.responder, names.prompts);
      const duplicates = lastOffsets(duplicated.flatMap(([, records]) => records.slice(1)));
      if (responded === undefined || !committedPast(responded, duplicates)) return false;
      // Their responses are all written now (before the commit): wait until the watcher has them.
      const responsesEnd = (await probe.logRange(names.responses))?.end;
      if (responsesEnd === undefined || !readUpTo(views.responses, responsesEnd)) return false;
      lastResponses = lastOffsets(
        duplicated.flatMap(([pair]) => views.responses.pairs.get(pair) ?? []),
      );
    }
    const judged = await probe.committed(groups.judge, names.responses);
    return judged !== undefined && committedPast(judged, lastResponses);
  };
}
