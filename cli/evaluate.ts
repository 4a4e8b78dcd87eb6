import type { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import { createDeferred } from '../lib/deferred.ts';
import { ValbenchError } from '../lib/errors.ts';
import { runIdOf } from '../lib/ids.ts';
import type { KafkaConnection } from '../lib/kafka/client.ts';
import type { ConnectivityEvent } from '../lib/kafka/connectivity.ts';
import { followTopic, type TopicFollower } from '../lib/kafka/follow.ts';
import type { RunningStage } from '../lib/kafka/stage.ts';
import type { RegistryConnection } from '../lib/kafka/registry.ts';
import type { Logger } from '../lib/log.ts';
import { stageMetrics } from '../lib/metrics.ts';
import { openPipeline } from '../lib/pipeline.ts';
import { within } from '../lib/within.ts';
import { startAggregator } from '../services/aggregator/service.ts';
import { emptyMetrics, type Metrics } from '../services/aggregator/metrics.ts';
import { writeReport } from '../services/aggregator/report.ts';
import { judgeIdentity, startJudgeStage } from '../services/judge/stage.ts';
import { publishPrompts, runConfigOf } from '../services/producer/produce.ts';
import { loadDataset } from '../services/producer/source.ts';
import { startResponderStage } from '../services/responder/stage.ts';
import type { RunSettings } from './run-config.ts';

export interface EvaluationResult {
  /** True when a signal stopped the run before every pair was judged (resume: run it again). */
  interrupted: boolean;
  runId: string;
  judgeId: string;
  pairs: number;
  judged: number;
  deadLettered: number;
  metrics: Metrics;
  reportFiles: string[];
  /** Where /metrics was served during the run, if it was. */
  metricsUrl: string | null;
  elapsedMs: number;
  /** Pairs of this run already on the prompts topic from an earlier attempt (not asked again). */
  alreadyPublished: number;
}

export interface Progress {
  pairs: number;
  responded: number;
  judged: number;
  deadLettered: number;
  elapsedMs: number;
  metricsUrl: string | null;
}

export interface EvaluationHooks {
  onProgress?: (p: Progress) => void;
  /** Told once when Kafka becomes unreachable and once when it is back. */
  onConnectivity?: (event: ConnectivityEvent) => void;
  /** Aborted on the first Ctrl-C / SIGTERM: stop intake, drain, commit, return the partial result. */
  interrupt?: AbortSignal;
}

/**
 * `valbench run`: every stage in one process, through the real topics: the producer publishes
 * the selected pairs (those not already published by an earlier attempt of the same run), the
 * responder and judge pools call the models, and the aggregator counts the judgments of this run
 * and judge (serving them on /metrics) until every pair is judged or dead-lettered, the run times
 * out, a stage fails, or the interrupt signal fires. Whatever ends it, the stages drain within
 * the grace period and commit before this returns or throws.
 */
export async function runEvaluation(
  settings: RunSettings,
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  logger: Logger,
  registry: Registry,
  hooks: EvaluationHooks = {},
): Promise<EvaluationResult> {
  const onProgress = hooks.onProgress ?? (() => undefined);
  const started = Date.now();
  const { rows, selection } = await loadDataset(settings.dataset);
  const run = runConfigOf(settings.model, settings.provider, selection);
  const runId = runIdOf(run);
  const { judgeId } = judgeIdentity(settings.judge);
  const pipeline = await openPipeline(
    connection,
    {
      ...settings.pipeline,
      ...(hooks.onConnectivity === undefined ? {} : { onConnectivity: hooks.onConnectivity }),
    },
    logger,
  );
  const metrics = stageMetrics(registry);

  const pairIds = new Set(rows.map((r) => r.id));
  const judgedPairs = new Set<string>();
  const deadLetteredPairs = new Set<string>();
  let responded = 0;
  const aggregator = await startAggregator({
    pipeline,
    // A group of its own: it reads the whole judgments topic and never commits.
    groupId: `valbench-run-aggregator-${process.pid}-${Date.now()}`,
    windowSize: 1000,
    windowMinutes: 15,
    registry,
    logger,
    ...(settings.listen === null ? {} : { listen: settings.listen }),
    onJudgment: (j) => {
      if (j.runId === runId && j.judgeId === judgeId && pairIds.has(j.pairId))
        judgedPairs.add(j.pairId);
    },
  });
  const stages: RunningStage[] = [];
  let dlqWatch: TopicFollower | undefined;
  const watchFailed = createDeferred();
  let alreadyPublished: number | undefined;
  const progress = (): Progress => ({
    pairs: rows.length,
    responded,
    judged: judgedPairs.size,
    deadLettered: deadLetteredPairs.size,
    elapsedMs: Date.now() - started,
    metricsUrl: aggregator.url,
  });
  try {
    stages.push(
      await startResponderStage({
        pipeline,
        provider: settings.provider,
        simulator: settings.simulator,
        concurrency: settings.concurrency,
        logger,
        metrics,
        retry: settings.runtime.retry,
        publishDeadlineMs: settings.runtime.publishDeadlineMs,
        onProgress: (n) => {
          responded = n;
        },
      }),
    );
    stages.push(
      (
        await startJudgeStage({
          pipeline,
          judge: settings.judge,
          simulator: settings.simulator,
          concurrency: settings.judgeConcurrency,
          logger,
          metrics,
          retry: settings.runtime.retry,
          publishDeadlineMs: settings.runtime.publishDeadlineMs,
        })
      ).stage,
    );
    ({ alreadyPublished } = await publishPrompts(pipeline, runId, run, rows));
    // Dead letters of this run are read back from the topic, so a pair that failed in any
    // process (not only this one) ends the wait.
    dlqWatch = await followTopic({
      kafka: pipeline.kafka,
      groupId: `valbench-dlq-watch-${process.pid}-${Date.now()}`,
      topic: pipeline.names.deadLetters,
      onFatal: (error) => {
        watchFailed.reject(error);
      },
      onMessage: async (message) => {
        const letter = await pipeline.codecs.deadLetter.decode(message.value);
        const [letterRun, pairId] = (letter.key?.toString() ?? '').split('/');
        if (letterRun === runId && pairId !== undefined && pairIds.has(pairId))
          deadLetteredPairs.add(pairId);
      },
    });
    const deadline = started + settings.timeoutSeconds * 1000;
    const interrupted = new Promise<void>((resolve) => {
      if (hooks.interrupt?.aborted === true) resolve();
      hooks.interrupt?.addEventListener('abort', () => {
        resolve();
      });
    });
    for (;;) {
      onProgress(progress());
      const finished = new Set([...judgedPairs, ...deadLetteredPairs]);
      if (finished.size >= rows.length) break;
      if (hooks.interrupt?.aborted === true) break;
      if (Date.now() > deadline) {
        throw new ValbenchError(
          'fatal',
          'RUN_TIMEOUT',
          `run did not finish in ${settings.timeoutSeconds} s: ${finished.size} of ${rows.length} pairs done`,
        );
      }
      await Promise.race([
        sleep(200),
        interrupted,
        watchFailed.promise,
        aggregator.done,
        ...stages.map((s) => s.done),
      ]);
    }
  } finally {
    // Drain and commit within the grace period, whatever ended the run; every step is bounded.
    await Promise.all(stages.map((s) => s.stop(settings.runtime.graceMs)));
    await dlqWatch?.stop();
    await within(aggregator.stop(0), 5_000);
  }
  const mine = aggregator.state.states().find((s) => s.runId === runId && s.judgeId === judgeId);
  const result = mine?.cumulative ?? emptyMetrics();
  const reportFiles = writeReport(resolve(settings.reportDir, `${runId}-${judgeId}`), result);
  const complete = new Set([...judgedPairs, ...deadLetteredPairs]).size >= rows.length;
  return {
    interrupted: !complete,
    alreadyPublished: alreadyPublished ?? 0,
    runId,
    judgeId,
    pairs: rows.length,
    judged: judgedPairs.size,
    deadLettered: deadLetteredPairs.size,
    metrics: result,
    reportFiles,
    metricsUrl: aggregator.url,
    elapsedMs: Date.now() - started,
  };
}
