import type { Registry } from 'prom-client';
import { resolve } from 'node:path';
import { runIdOf } from '../lib/ids.ts';
import type { KafkaConnection } from '../lib/kafka/client.ts';
import type { ConnectivityEvent } from '../lib/kafka/connectivity.ts';
import type { RunningStage } from '../lib/kafka/stage.ts';
import type { RegistryConnection } from '../lib/kafka/registry.ts';
import type { Logger } from '../lib/log.ts';
import { stageMetrics } from '../lib/metrics.ts';
import { openPipeline } from '../lib/pipeline.ts';
import { within } from '../lib/within.ts';
import { emptyMetrics, type Metrics } from '../services/aggregator/metrics.ts';
import { writeAgreementReport } from '../services/aggregator/agreement-report.ts';
import { writeReport } from '../services/aggregator/report.ts';
import { publishJudgeRequests } from '../services/judge/publish-requests.ts';
import { describeValueColumns, judgeTaxonomy } from '../services/judge/taxonomy.ts';
import { judgeIdentity, judgeRequestOf, startJudgeStage } from '../services/judge/stage.ts';
import { publishPrompts, runConfigOf } from '../services/producer/produce.ts';
import { loadDataset } from '../services/producer/source.ts';
import { startResponderStage } from '../services/responder/stage.ts';
import { createCompletionWatch, startWatchedAggregator } from './completion.ts';
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
  /** Told which columns hold the values the questions ask for (never a silent choice). */
  onValueColumns?: (line: string) => void;
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
  const dataset = await loadDataset(settings.dataset);
  const { pairIds, selection } = dataset;
  const run = runConfigOf(settings.model, settings.provider, selection);
  const runId = runIdOf(run);
  const judge = judgeIdentity(settings.judge, await judgeTaxonomy(settings.judge.values, dataset));
  hooks.onValueColumns?.(describeValueColumns(dataset));
  const judgeRequest = judgeRequestOf(
    {
      ...judge,
      maxInvalidAttempts: settings.judge.maxInvalidAttempts,
      swapSample: settings.judge.swapSample,
    },
    [runId],
    'run',
  );
  const { judgeId } = judgeRequest;
  const pipeline = await openPipeline(
    connection,
    {
      ...settings.pipeline,
      ...(hooks.onConnectivity === undefined ? {} : { onConnectivity: hooks.onConnectivity }),
    },
    logger,
  );
  const metrics = stageMetrics(registry);
  const watch = createCompletionWatch(judgeId, new Map([[runId, new Set(pairIds)]]), 'run');
  let responded = 0;
  const aggregator = await startWatchedAggregator({
    pipeline,
    registry,
    logger,
    listen: settings.listen,
    watch,
    tag: 'run',
    progress: () => [
      { runId, pairs: pairIds.size, responded, deadLettered: watch.completion().deadLettered },
    ],
  });
  const stages: RunningStage[] = [];
  let alreadyPublished: number | undefined;
  const progress = (): Progress => {
    const { judged, deadLettered } = watch.completion();
    return {
      pairs: pairIds.size,
      responded,
      judged,
      deadLettered,
      elapsedMs: Date.now() - started,
      metricsUrl: aggregator.url,
    };
  };
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
    // The judge request is on the topic for the record (and for any judge process of the
    // endpoint to share); this process judges its own run only.
    await publishJudgeRequests(pipeline, [judgeRequest]);
    stages.push(
      await startJudgeStage({
        pipeline,
        request: judgeRequest,
        provider: settings.judge.provider,
        simulator: settings.simulator,
        concurrency: settings.judgeConcurrency,
        logger,
        metrics,
        retry: settings.runtime.retry,
        publishDeadlineMs: settings.runtime.publishDeadlineMs,
      }),
    );
    ({ alreadyPublished } = await publishPrompts(pipeline, runId, run, dataset.rows()));
    await watch.followDeadLetters(pipeline);
    await watch.until({
      deadline: started + settings.timeoutSeconds * 1000,
      ...(hooks.interrupt === undefined ? {} : { interrupt: hooks.interrupt }),
      failures: [aggregator.done, ...stages.map((s) => s.done)],
      onTick: () => {
        onProgress(progress());
      },
      what: `run ${runId}`,
    });
  } finally {
    // Drain and commit within the grace period, whatever ended the run; every step is bounded.
    await Promise.all(stages.map((s) => s.stop(settings.runtime.graceMs)));
    await watch.stop();
    await within(aggregator.stop(0), 5_000);
  }
  const mine = aggregator.state.states().find((s) => s.runId === runId && s.judgeId === judgeId);
  const result = mine?.cumulative ?? emptyMetrics();
  const reportDir = resolve(settings.reportDir, `${runId}-${judgeId}`);
  const reportFiles = await writeReport(reportDir, result, {
    caption: `run ${runId}, judge ${judgeId}`,
  });
  const agreementFile = writeAgreementReport(
    reportDir,
    aggregator.agreement.runs().find((r) => r.runId === runId),
  );
  if (agreementFile !== null) reportFiles.push(agreementFile);
  const { judged, deadLettered } = watch.completion();
  return {
    interrupted: !watch.complete(),
    alreadyPublished: alreadyPublished ?? 0,
    runId,
    judgeId,
    pairs: pairIds.size,
    judged,
    deadLettered,
    metrics: result,
    reportFiles,
    metricsUrl: aggregator.url,
    elapsedMs: Date.now() - started,
  };
}
