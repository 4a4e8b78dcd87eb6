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
import type { TopicView } from './topic-watcher.ts';

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
  killed: boolean;
}

export async function produceWithKill(
  stages: Stages,
  probe: ClusterProbe,
  names: TopicNames,
  killAt: number,
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
  // The producer may have finished between the last look and now: then nothing is killed.
  const killed = first.child.exitCode === null && first.child.kill('SIGKILL');
  await first.exit;
  const runId = await produceOnce(stages);
  return { runId, killedAt, publishedAtKill: published, killed };
}

/**
 * A check that the records a second produce duplicated (a pair's prompt published again) have
 * gone through: the responder group committed past the last duplicate of every partition, then
 * the judge group past every response written by that time. Until then the duplicates still cost
 * model and judge calls, which belong to the producer fault's window. True at once when produce
 * published no pair twice.
 */
export function duplicatesJudged(
  prompts: TopicView,
  probe: ClusterProbe,
  names: TopicNames,
  groups: { responder: string; judge: string },
): () => Promise<boolean> {
  let responsesEnd: Offsets | undefined;
  return async () => {
    if (responsesEnd === undefined) {
      const promptsEnd = (await probe.logRange(names.prompts))?.end;
      if (promptsEnd === undefined || !readUpTo(prompts, promptsEnd)) return false;
      const lastDuplicate = new Map<number, number>();
      for (const records of prompts.pairs.values()) {
        for (const at of records.slice(1))
          lastDuplicate.set(
            at.partition,
            Math.max(lastDuplicate.get(at.partition) ?? -1, at.offset),
          );
      }
      const committed = await probe.committed(groups.responder, names.prompts);
      if (committed === undefined) return false;
      const passed = [...lastDuplicate].every(([p, offset]) => (committed.get(p) ?? -1) > offset);
      if (!passed) return false;
      responsesEnd = (await probe.logRange(names.responses))?.end;
      if (responsesEnd === undefined) return false;
    }
    const judged = await probe.committed(groups.judge, names.responses);
    const end = responsesEnd;
    return judged !== undefined && [...end].every(([p, offset]) => (judged.get(p) ?? -1) >= offset);
  };
}
