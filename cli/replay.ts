import type { Registry } from 'prom-client';
import { resolve } from 'node:path';
import type { JudgeSettings, PipelineSettings, StageRuntime } from '../lib/config/sections.ts';
import { ValbenchError } from '../lib/errors.ts';
import type { KafkaConnection } from '../lib/kafka/client.ts';
import type { RegistryConnection } from '../lib/kafka/registry.ts';
import { scanTopic } from '../lib/kafka/scan.ts';
import type { Logger } from '../lib/log.ts';
import { stageMetrics } from '../lib/metrics.ts';
import { stageEstimate, type CostEstimate } from '../lib/cost/estimate.ts';
import { createCostLedger } from '../lib/cost/ledger.ts';
import type { PriceTable } from '../lib/cost/prices.ts';
import {
  costTable,
  createUsageTally,
  usageOfJudgment,
} from '../services/aggregator/cost-report.ts';
import { openPipeline, type Pipeline } from '../lib/pipeline.ts';
import type { SimulatorOptions } from '../lib/simulator/model.ts';
import { within } from '../lib/within.ts';
import { emptyMetrics, type Metrics } from '../services/aggregator/metrics.ts';
import { writeReport } from '../services/aggregator/report.ts';
import { publishJudgeRequests } from '../services/judge/publish-requests.ts';
import { judgeIdentity, judgeRequestOf, startJudgeStage } from '../services/judge/stage.ts';
import { readTaxonomyFile } from '../services/judge/taxonomy.ts';
import { createCompletionWatch, startWatchedAggregator, type Completion } from './completion.ts';

export interface ReplaySettings {
  runIds: string[];
  judge: JudgeSettings;
  simulator: SimulatorOptions;
  concurrency: number;
  pipeline: PipelineSettings;
  reportDir: string;
  listen: { port: number; host: string } | null;
  timeoutSeconds: number;
  runtime: StageRuntime;
  /** Only put the judge request on the topic, for a long-running judge process to serve. */
  detach: boolean;
  /** Who asks, as the judge request records it (default replay; calibrate for a calibration). */
  origin?: string;
  /** Prices the judge calls (valbench_cost_usd_total, the result's cost, cost.csv); none: not. */
  prices?: PriceTable;
}

export interface ReplayResult {
  judgeId: string;
  requestId: string;
  /** Stored responses per run (what the judge was asked to judge). */
  responses: Map<string, number>;
  completion: Completion;
  interrupted: boolean;
  /** Metrics per run, this judge. */
  metrics: Map<string, Metrics>;
  reportFiles: string[];
  elapsedMs: number;
  /** Per run: what this judge's calls cost in this process and the estimate for all its pairs. */
  cost: Map<string, CostEstimate>;
}

/** The pair ids of the stored responses of each run named (read up to the topic's end). */
export async function storedResponses(
  pipeline: Pipeline,
  runIds: readonly string[],
  values?: Set<string>,
): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>(runIds.map((id) => [id, new Set<string>()]));
  await scanTopic(
    pipeline.kafka,
    pipeline.names.responses,
    async (message) => {
      const key = message.key.toString();
      const slash = key.indexOf('/');
      found.get(key.slice(0, slash))?.add(key.slice(slash + 1));
      // The taxonomy of a values replay: the values the stored pairs' questions ask for.
      if (values !== undefined) {
        const response = await pipeline.codecs.response.decode(message.value);
        for (const v of [response.forValue, response.againstValue])
          if (v !== null && v !== '') values.add(v);
      }
    },
    { select: (key) => found.has(key.slice(0, key.indexOf('/'))) },
  );
  const empty = [...found].filter(([, pairs]) => pairs.size === 0).map(([id]) => id);
  if (empty.length > 0)
    throw new ValbenchError(
      'fatal',
      'RUN_UNKNOWN',
      `no stored responses on ${pipeline.names.responses} for run ${empty.join(', ')}`,
    );
  return found;
}

/**
 * `valbench replay`: a judge over the stored responses of exactly the runs named: no call to a
 * model under test, no judge call for any other run. The judge request goes on the topic; unless
 * detached, this process serves it and waits until every stored response of those runs is judged
 * or dead-lettered, then writes a report per run.
 */
export async function runReplay(
  settings: ReplaySettings,
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  logger: Logger,
  registry: Registry,
  hooks: {
    interrupt?: AbortSignal;
    onProgress?: (c: Completion) => void;
    onCostWarning?: (line: string) => void;
  } = {},
): Promise<ReplayResult> {
  const started = Date.now();
  const pipeline = await openPipeline(connection, settings.pipeline, logger);
  const choice = settings.judge.values;
  const stored = choice?.from === 'dataset' ? new Set<string>() : undefined;
  const expected = await storedResponses(pipeline, [...new Set(settings.runIds)].sort(), stored);
  if (stored !== undefined && stored.size === 0)
    throw new ValbenchError(
      'fatal',
      'VALUES_EMPTY',
      `the stored responses of ${settings.runIds.join(', ')} carry no question values: give the taxonomy with --values FILE`,
    );
  const taxonomy =
    choice === null
      ? null
      : choice.from === 'file'
        ? readTaxonomyFile(choice.path)
        : [...(stored ?? [])].sort();
  const judge = judgeIdentity(settings.judge, taxonomy);
  const request = judgeRequestOf(
    {
      ...judge,
      maxInvalidAttempts: settings.judge.maxInvalidAttempts,
      swapSample: settings.judge.swapSample,
    },
    settings.runIds,
    settings.origin ?? 'replay',
  );
  const responses = new Map([...expected].map(([id, pairs]) => [id, pairs.size]));
  await publishJudgeRequests(pipeline, [request]);
  const watch = createCompletionWatch(request.judgeId, expected, 'replay');
  const base = {
    judgeId: request.judgeId,
    requestId: request.requestId,
    responses,
    elapsedMs: 0,
    cost: new Map<string, CostEstimate>(),
  };
  if (settings.detach)
    return {
      ...base,
      completion: watch.completion(),
      interrupted: false,
      metrics: new Map(),
      reportFiles: [],
    };
  const metricsOfStages = stageMetrics(registry);
  const { prices } = settings;
  const ledger =
    prices === undefined
      ? undefined
      : createCostLedger({
          prices,
          counter: metricsOfStages.costUsd,
          warn: (line) => {
            logger.warn(line);
            hooks.onCostWarning?.(line);
          },
        });
  // cost.csv per run: the stored answers' tokens and this judge's, from the judgments.
  const usage = createUsageTally();
  const aggregator = await startWatchedAggregator({
    pipeline,
    registry,
    logger,
    listen: settings.listen,
    watch: {
      ...watch,
      onJudgment: (j) => {
        watch.onJudgment(j);
        if (j.judgeId === request.judgeId) usage.add(usageOfJudgment(j));
      },
    },
    tag: 'replay',
  });
  const stage = await startJudgeStage({
    pipeline,
    request,
    provider: settings.judge.provider,
    simulator: settings.simulator,
    concurrency: settings.concurrency,
    logger,
    metrics: metricsOfStages,
    ...(ledger === undefined ? {} : { ledger }),
    retry: settings.runtime.retry,
    publishDeadlineMs: settings.runtime.publishDeadlineMs,
  });
  try {
    await watch.followDeadLetters(pipeline);
    await watch.until({
      deadline: started + settings.timeoutSeconds * 1000,
      ...(hooks.interrupt === undefined ? {} : { interrupt: hooks.interrupt }),
      failures: [aggregator.done, stage.done],
      onTick: () => hooks.onProgress?.(watch.completion()),
      what: `replay ${request.requestId}`,
    });
  } finally {
    await stage.stop(settings.runtime.graceMs);
    await watch.stop();
    await within(aggregator.stop(0), 5_000);
  }
  const metrics = new Map<string, Metrics>();
  const reportFiles: string[] = [];
  for (const runId of request.runIds) {
    const state = aggregator.state
      .states()
      .find((s) => s.runId === runId && s.judgeId === request.judgeId);
    const m = state?.cumulative ?? emptyMetrics();
    metrics.set(runId, m);
    const runUsage = usage.usages().filter((u) => u.key.startsWith(`${runId}/`));
    reportFiles.push(
      ...(await writeReport(resolve(settings.reportDir, `${runId}-${request.judgeId}`), m, {
        caption: `run ${runId}, judge ${request.judgeId}`,
        cost: prices === undefined ? null : costTable(runUsage, prices),
      })),
    );
    if (ledger !== undefined) {
      const spend = ledger.spent(runId).judge;
      base.cost.set(runId, stageEstimate(spend, spend.pairs, responses.get(runId) ?? 0));
    }
  }
  return {
    ...base,
    completion: watch.completion(),
    interrupted: !watch.complete(),
    metrics,
    reportFiles,
    elapsedMs: Date.now() - started,
  };
}
