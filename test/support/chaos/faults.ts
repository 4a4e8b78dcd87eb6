/**
 * The faults of the chaos suite, each with the restart it calls for and the sign that the
 * pipeline moves again through what it hit (recovery):
 * - producer: SIGKILL of `valbench produce` while it publishes, then produce run again; recovered
 *   when the second produce exited 0 and every pair of the run is on the prompts topic;
 * - responder / judge: SIGKILL of one such process, restarted at once; recovered when the
 *   restarted process runs and the group commits further on a partition the fault stopped (one
 *   that had work pending and did not move since: a surviving responder's partitions move on);
 * - aggregator: SIGKILL, restarted at once; recovered when the new one counts at least what the
 *   killed one had counted (its state rebuilt from the judgments topic);
 * - broker / registry: kill -9 of that part of the private stack, then `valbench stack up` on its
 *   folder and ports, as an operator would (it starts the part that is down on its data);
 *   recovered when the part is back, the responder and judge groups move on as above (or, when
 *   nothing stopped, commit again after the restart) and the aggregator counts more than at the
 *   fault (or every pair).
 */
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe } from './cluster-probe.ts';
import { spawnValbench } from '../cli.ts';
import type { PrivateStack } from '../private-stack.ts';
import type { Stages } from './stages.ts';
import type { SupervisedStage } from './stage-process.ts';

/**
 * In their default order. The aggregator's comes last: it needs no work in flight (a restarted
 * aggregator rebuilds its state from the topic, after the killed one's group session ran out),
 * while the faults before it do; last, it also proves that the judgments written across the
 * broker and registry restarts still count (and decode).
 */
export const faultKinds = [
  'producer',
  'responder',
  'judge',
  'broker',
  'registry',
  'aggregator',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface FaultTarget {
  stack: PrivateStack;
  stages: Stages;
  probe: ClusterProbe;
  names: TopicNames;
  runId: string;
  pairs: number;
}

export interface Injection {
  /** Which process was hit, or what else is worth knowing. */
  note: string;
  /** When the kill was sent. */
  at: number;
  /** The restart the fault calls for; resolves once it is done. */
  restarted: Promise<void>;
  /** True once the pipeline moves again through what the fault hit. */
  recovered(): Promise<boolean>;
}

/**
 * A check, set up before the fault, that the group moves again: once the restarted part is up
 * (`up`), it has committed further on a partition that had work pending at the fault and did not
 * move before that (a surviving responder's partitions move on: they do not count). When every
 * such partition moved before (a registry restart stops nobody), the group was never stopped.
 */
async function groupMovesOn(
  probe: ClusterProbe,
  group: string,
  topic: string,
): Promise<(up: boolean) => Promise<boolean>> {
  const before = (await probe.committed(group, topic)) ?? new Map<number, number>();
  const range = await probe.logRange(topic);
  const lagging = [...(range?.end ?? [])]
    .filter(([p, end]) => Math.max(before.get(p) ?? -1, range?.start.get(p) ?? 0) < end)
    .map(([p]) => p);
  const movedEarly = new Set<number>();
  return async (up) => {
    const now = await probe.committed(group, topic);
    if (now === undefined) return false;
    const moved = lagging.filter((p) => (now.get(p) ?? -1) > (before.get(p) ?? -1));
    if (!up) {
      for (const p of moved) movedEarly.add(p);
      return false;
    }
    const stalled = lagging.filter((p) => !movedEarly.has(p));
    return stalled.length === 0 || moved.some((p) => !movedEarly.has(p));
  };
}

/** `valbench stack up` on the private stack's folder and ports. */
async function stackUp(stack: PrivateStack): Promise<void> {
  const up = spawnValbench(['stack', 'up'], { ...stack.env, HOME: process.env['HOME'] ?? '' });
  const code = await up.exit;
  if (code !== 0) throw new Error(`valbench stack up exited ${code}:\n${up.text()}`);
}

/** SIGKILL, and once the process is gone the same command again. */
async function restartProcess(stage: SupervisedStage): Promise<void> {
  await stage.kill();
  stage.restart();
}

/** Injects one fault (all but the producer's, which the run does while publishing). */
export async function injectFault(
  kind: Exclude<FaultKind, 'producer'>,
  target: FaultTarget,
  /** A number in [0, 1) that picks which responder, when there are several. */
  pick: number,
): Promise<Injection> {
  const { stages, probe, names, runId, pairs } = target;
  const counted = async (): Promise<number | undefined> => (await stages.aggregated(runId))?.count;
  const countBefore = (await counted()) ?? 0;
  switch (kind) {
    case 'responder': {
      const index = Math.floor(pick * stages.responders.length);
      const victim = stages.responders[index] ?? stages.responders[0];
      if (victim === undefined) throw new Error('no responder to kill');
      const movesOn = await groupMovesOn(probe, stages.groups.responder, names.prompts);
      return {
        note: victim.name,
        at: Date.now(),
        restarted: restartProcess(victim),
        recovered: () => movesOn(victim.ready()),
      };
    }
    case 'judge': {
      const movesOn = await groupMovesOn(probe, stages.groups.judge, names.responses);
      return {
        note: 'judge',
        at: Date.now(),
        restarted: restartProcess(stages.judge),
        recovered: () => movesOn(stages.judge.ready()),
      };
    }
    case 'aggregator':
      return {
        note: `it had counted ${countBefore}`,
        at: Date.now(),
        restarted: restartProcess(stages.aggregator),
        recovered: async () => ((await counted()) ?? -1) >= countBefore,
      };
    case 'broker':
    case 'registry': {
      const responderMoves = await groupMovesOn(probe, stages.groups.responder, names.prompts);
      const judgeMoves = await groupMovesOn(probe, stages.groups.judge, names.responses);
      const at = Date.now();
      await target.stack.kill(kind === 'broker' ? 'kafka' : 'registry');
      let up = false;
      const restarted = stackUp(target.stack).then(() => {
        up = true;
      });
      return {
        note: `aggregator had counted ${countBefore}`,
        at,
        restarted,
        recovered: async () => {
          const now = (await counted()) ?? -1;
          // Both asked every time: each remembers what moved before the restart was done.
          const responder = await responderMoves(up);
          const judge = await judgeMoves(up);
          return up && (now > countBefore || now >= pairs) && responder && judge;
        },
      };
    }
  }
}
