/**
 * The faults of a chaos run, one after another, each in its own window. The producer's comes
 * first by nature (it hits the publishing of the run). The other n faults have seeded points
 * between 5% and 70% of the pairs judged, one in each of n equal slices: the i-th fires once
 * pairs × (0.05 + 0.65 (i + u) / n) pairs are judged (u uniform in [0, 1) from the seed), or as
 * soon as the fault before it settled when the run is past its point already, so that the last
 * ones still find work in flight. A window closes when the next fault is injected (or the run
 * ends): the pairs that became lost in it and the rise of the aggregator's over-count are its own.
 */
import type { TopicNames } from '../../../lib/topics.ts';
import type { ClusterProbe } from './cluster-probe.ts';
import { injectFault, type FaultKind, type Injection } from './faults.ts';
import type { PipelineWatch } from './pipeline-watch.ts';
import type { PrivateStack } from '../private-stack.ts';
import { duplicatesConsumed } from './duplicates.ts';
import { produceOnce, produceWithKill } from './produce-phase.ts';
import type { ChaosOptions } from './run.ts';
import type { Stages } from './stages.ts';
import type { TopicWatcher } from './topic-watcher.ts';

export interface FaultWindow {
  kind: FaultKind;
  note: string;
  /** When the fault was injected; null when it never was. */
  start: number | null;
  judgedAtFault: number | null;
  recoverySeconds: number | null;
  settled: boolean;
  lost: number;
  overCount: number;
}

export interface FaultWindows {
  readonly list: FaultWindow[];
  closeLast(): Promise<void>;
  lostInWindows(): number;
}

export async function runFaults(deps: {
  options: ChaosOptions;
  deadline: number;
  stack: PrivateStack;
  stages: Stages;
  probe: ClusterProbe;
  names: TopicNames;
  watch: PipelineWatch;
  watcher: TopicWatcher;
  lastRepeatAt: () => number;
  random: (what: string) => number;
  onRunId: (runId: string) => void;
  log: (line: string) => void;
}): Promise<FaultWindows> {
  const { options, deadline, watch, log } = deps;
  const { pairs, stallMs } = options;
  const list: FaultWindow[] = [];
  let lostSoFar = new Set<string>();
  let overSoFar = 0;
  let open: FaultWindow | undefined;

  const close = async (): Promise<void> => {
    const lost = await watch.lost();
    const over = Math.max(0, (await watch.counted()) - pairs);
    if (open !== undefined) {
      open.lost = [...lost].filter((pair) => !lostSoFar.has(pair)).length;
      open.overCount = Math.max(0, over - overSoFar);
    }
    lostSoFar = lost;
    overSoFar = Math.max(over, overSoFar);
  };
  const opened = (
    kind: FaultKind,
    start: number | null,
    note: string,
    judgedAtFault = start === null ? null : watch.judged(),
  ): FaultWindow => {
    const window: FaultWindow = {
      kind,
      note,
      start,
      judgedAtFault,
      recoverySeconds: null,
      settled: false,
      lost: 0,
      overCount: 0,
    };
    list.push(window);
    return window;
  };
  /**
   * Recovery, then the restart done, then calm: no extra call for the quiet period and the
   * records the fault left twice on a topic consumed by the next group (then calm again).
   */
  const followUp = async (window: FaultWindow, injection: Injection): Promise<void> => {
    const start = window.start ?? Date.now();
    if (await watch.until(() => injection.recovered(), stallMs, deadline))
      window.recoverySeconds = (Date.now() - start) / 1000;
    else window.note += `; no recovery within a ${stallMs / 1000} s stall`;
    await injection.restarted.catch((error: unknown) => {
      window.note += `; restart failed: ${String(error)}`;
    });
    const recoveredAt = Date.now();
    const calm = (): Promise<boolean> =>
      Promise.resolve(Date.now() - Math.max(deps.lastRepeatAt(), recoveredAt) >= options.quietMs);
    const consumed = (): Promise<boolean> =>
      duplicatesConsumed(deps.watcher, deps.probe, deps.names, deps.stages.groups);
    window.settled =
      (await watch.until(calm, stallMs, deadline)) &&
      (await watch.until(consumed, stallMs, deadline)) &&
      (await watch.until(calm, stallMs, deadline));
    log(
      `${window.kind}: recovered in ${window.recoverySeconds ?? 'never'} s, ${window.settled ? 'settled' : 'NOT settled'}`,
    );
  };

  const target = { ...deps, runId: '', pairs };
  if (options.faults.includes('producer')) {
    const killAt = 1 + Math.floor(deps.random('producer:point') * 0.75 * pairs);
    const produced = await produceWithKill(deps.stages, deps.probe, deps.names, killAt, () =>
      watch.judged(),
    );
    target.runId = produced.runId;
    deps.onRunId(produced.runId);
    open = opened(
      'producer',
      produced.killedAt,
      produced.killed
        ? `killed with ${produced.publishedAtKill} prompts published`
        : 'it had finished before the kill',
      produced.judgedAtKill,
    );
    log(`producer: ${open.note}; produce ran again`);
    await followUp(open, {
      note: '',
      at: produced.killedAt,
      restarted: Promise.resolve(),
      recovered: () => Promise.resolve(deps.watcher.prompts.pairs.size >= pairs),
    });
  } else {
    target.runId = await produceOnce(deps.stages);
    deps.onRunId(target.runId);
  }

  const rest = options.faults.filter((kind) => kind !== 'producer');
  for (const [i, kind] of rest.entries()) {
    const slice = (i + deps.random(`${kind}:point`)) / rest.length;
    const point = Math.round(pairs * (0.05 + 0.65 * slice));
    const reached = await watch.until(
      () => Promise.resolve(watch.judged() >= point),
      stallMs,
      deadline,
    );
    if (Date.now() > deadline) {
      opened(kind, null, 'not injected: the run deadline passed');
      continue;
    }
    await close();
    const injection = await injectFault(kind, target, deps.random(`${kind}:pick`));
    open = opened(kind, injection.at, injection.note);
    if (!reached) open.note += `; the run stalled before its point (${point} judged)`;
    log(`${kind}: injected at ${open.judgedAtFault ?? 0} judged (${open.note})`);
    await followUp(open, injection);
  }
  return {
    list,
    closeLast: close,
    lostInWindows: () => list.reduce((sum, w) => sum + w.lost, 0),
  };
}
