import { setTimeout as sleep } from 'node:timers/promises';
import { createDeferred } from '../lib/deferred.ts';
import { ValbenchError } from '../lib/errors.ts';
import { followTopic, type TopicFollower } from '../lib/kafka/follow.ts';
import type { Pipeline } from '../lib/pipeline.ts';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.ts';
import type { Judgment } from '../lib/records/types.gen.ts';
import type { RunProgress } from '../services/aggregator/live.ts';
import { startAggregator, type Aggregator } from '../services/aggregator/service.ts';

/** How far a judge has come through the pairs it was asked for. */
export interface Completion {
  expected: number;
  judged: number;
  deadLettered: number;
}

export interface CompletionWatch {
  /** Feed from the aggregator: each judgment read from the topic. */
  onJudgment(judgment: Judgment): void;
  /** Reads the dead-letter topic so a pair that failed in any process ends the wait too. */
  followDeadLetters(pipeline: Pipeline): Promise<void>;
  completion(): Completion;
  complete(): boolean;
  /**
   * Resolves when every expected pair is judged or dead-lettered, or the interrupt fires (then
   * `complete()` says which); rejects past the deadline or when a service it watches fails.
   */
  until(options: {
    deadline: number;
    interrupt?: AbortSignal;
    failures: Promise<unknown>[];
    onTick: () => void;
    what: string;
  }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Watches one judge's progress over the pairs of the runs it was asked for (`expected`: run id →
 * pair ids), from the judgments and dead letters on the topics, so work done by any process
 * counts. `valbench run` and `valbench replay` share it.
 */
export function createCompletionWatch(
  judgeId: string,
  expected: ReadonlyMap<string, ReadonlySet<string>>,
  groupTag: string,
): CompletionWatch {
  const total = [...expected.values()].reduce((n, pairs) => n + pairs.size, 0);
  const judged = new Set<string>();
  const deadLettered = new Set<string>();
  const watchFailed = createDeferred();
  let follower: TopicFollower | undefined;
  const expects = (runId: string, pairId: string): boolean =>
    expected.get(runId)?.has(pairId) === true;
  // Judged or dead-lettered, kept as they come: the wait asks five times a second, and a union
  // built each time is a set of every pair of the run, 115K strings at the full benchmark.
  const done = new Set<string>();
  const finished = (): number => done.size;
  return {
    onJudgment(j) {
      if (j.judgeId !== judgeId || !expects(j.runId, j.pairId)) return;
      const key = `${j.runId}/${j.pairId}`;
      judged.add(key);
      done.add(key);
    },
    async followDeadLetters(pipeline) {
      follower = await followTopic({
        kafka: pipeline.kafka,
        groupId: `valbench-dlq-watch-${groupTag}-${process.pid}-${Date.now()}`,
        topic: pipeline.names.deadLetters,
        onFatal: (error) => {
          watchFailed.reject(error);
        },
        onMessage: async (message) => {
          const letter = await pipeline.codecs.deadLetter.decode(message.value);
          if (letter.stage !== 'responder' && letter.stage !== 'judge') return;
          const key = letter.key?.toString() ?? '';
          const [runId, pairId] = key.split('/');
          if (runId === undefined || pairId === undefined || !expects(runId, pairId)) return;
          deadLettered.add(`${runId}/${pairId}`);
          done.add(`${runId}/${pairId}`);
        },
      });
    },
    completion: () => ({ expected: total, judged: judged.size, deadLettered: deadLettered.size }),
    complete: () => finished() >= total,
    async until(options) {
      // One wake-up for the whole wait (a race per tick would pile reactions on promises that
      // stay pending for hours): a signal, a failure, or a service that ended.
      const wake = new AbortController();
      let failure: { error: unknown } | undefined;
      options.interrupt?.addEventListener('abort', () => {
        wake.abort();
      });
      for (const ended of [watchFailed.promise, ...options.failures])
        ended.then(
          () => {
            // Nothing it waits on ends by itself while it waits: one that did stopped early.
            failure ??= {
              error: new ValbenchError(
                'fatal',
                'STAGE_STOPPED',
                `a stage of ${options.what} stopped`,
              ),
            };
            wake.abort();
          },
          (error: unknown) => {
            failure ??= { error };
            wake.abort();
          },
        );
      for (;;) {
        options.onTick();
        if (failure !== undefined) throw failure.error;
        if (finished() >= total) return;
        if (options.interrupt?.aborted === true) return;
        if (Date.now() > options.deadline) {
          throw new ValbenchError(
            'fatal',
            'RUN_TIMEOUT',
            `${options.what} did not finish in time: ${finished()} of ${total} pairs done`,
          );
        }
        await sleep(200, undefined, { signal: wake.signal }).catch(() => undefined);
      }
    },
    async stop() {
      await follower?.stop();
    },
  };
}

/**
 * The aggregator of a `run` or `replay`: a group of its own that reads the whole judgments topic
 * and never commits, serving /metrics while it runs, each judgment also fed to the watch.
 */
export function startWatchedAggregator(options: {
  pipeline: Pipeline;
  registry: Registry;
  logger: Logger;
  listen: { port: number; host: string } | null;
  watch: CompletionWatch;
  tag: string;
  progress?: () => RunProgress[];
}): Promise<Aggregator> {
  return startAggregator({
    pipeline: options.pipeline,
    groupId: `valbench-${options.tag}-aggregator-${process.pid}-${Date.now()}`,
    windowSize: 1000,
    windowMinutes: 15,
    registry: options.registry,
    logger: options.logger,
    ...(options.listen === null ? {} : { listen: options.listen }),
    onJudgment: (j) => {
      options.watch.onJudgment(j);
    },
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
}
