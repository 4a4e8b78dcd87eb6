/**
 * Publishing the run: once, or with the producer fault: `valbench produce` is killed with SIGKILL
 * once the prompts topic holds `killAt` records (it publishes in acknowledged batches, so the kill
 * lands at the first batch boundary at or past that point), then produce runs again to the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe } from './cluster-probe.ts';
import type { CliProcess } from '../cli.ts';
import type { Stages } from './stages.ts';

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
