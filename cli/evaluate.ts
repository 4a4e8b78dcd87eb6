import type { Registry } from 'prom-client';
import { resolve } from 'node:path';
import {
  pairCostBound,
  runEstimate,
  type CostEstimate,
  type PairBoundSettings,
} from '../lib/cost/estimate.ts';
import { createBudgetGate, type IntakeGate } from '../lib/cost/gate.ts';
import { createCostLedger, type PayingStage } from '../lib/cost/ledger.ts';
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
import {
  costTable,
  createUsageTally,
  usageOfJudgment,
} from '../services/aggregator/cost-report.ts';
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
  /** What this process's calls for the run cost, and the estimate for all its pairs. */
  cost: RunCost;
  /** Set when --max-cost stopped intake: pairs published (this attempt and earlier) of `pairs`. */
  costLimit: { maxUsd: number; published: number; projectedUsd: number } | null;
}

/** Cost so far and estimate for the whole run: responder, judge and total. */
export type RunCost = Record<PayingStage | 'total', CostEstimate>;

export interface Progress {
  pairs: number;
  responded: number;
  judged: number;
  deadLettered: number;
  elapsedMs: number;
  metricsUrl: string | null;
  cost: RunCost;
}

export interface EvaluationHooks {
  onProgress?: (p: Progress) => void;
  /** Told once when Kafka becomes unreachable and once when it is back. */
  onConnectivity?: (event: ConnectivityEvent) => void;
  /** Aborted on the first Ctrl-C / SIGTERM: stop intake, drain, commit, return the partial result. */
  interrupt?: AbortSignal;
  /** Told which columns hold the values the questions ask for (never a silent choice). */
  onValueColumns?: (line: string) => void;
  /** Told once per model the price table has no price for (its cost is unknown). */
  onCostWarning?: (line: string) => void;
  /** Told when the stages are up and the first prompt is about to be published (benchmarks). */
  onPublishing?: () => void;
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
  const ledger = createCostLedger({
    prices: settings.cost.prices,
    counter: metrics.costUsd,
    warn: (line) => {
      logger.warn(line);
      hooks.onCostWarning?.(line);
    },
  });
  const watch = createCompletionWatch(judgeId, new Map([[runId, new Set(pairIds)]]), 'run');
  let responded = 0;
  // The report's token totals and cost come from the judgments (every attempt of the run).
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
        if (j.runId === runId && j.judgeId === judgeId) usage.add(usageOfJudgment(j));
      },
    },
    tag: 'run',
    progress: () => [
      { runId, pairs: pairIds.size, responded, deadLettered: watch.completion().deadLettered },
    ],
  });
  const stages: RunningStage[] = [];
  let alreadyPublished: number | undefined;
  let published: number | undefined;
  let intake: ReturnType<typeof publishPrompts> | undefined;
  const cost = (): RunCost =>
    runEstimate(
      ledger.spent(runId),
      { responder: responded, judge: watch.completion().judged },
      pairIds.size,
    );
  // Intake stops on an interrupt, and when the run ends whatever ended it.
  const intakeStop = new AbortController();
  hooks.interrupt?.addEventListener('abort', () => {
    intakeStop.abort();
  });
  const gate = budgetGate(settings, judgeRequest.rubric.length, {
    runId,
    ledger,
    signal: intakeStop.signal,
    done: () => {
      const c = watch.completion();
      return { responder: responded, judge: c.judged + c.deadLettered };
    },
  });
  const progress = (): Progress => {
    const { judged, deadLettered } = watch.completion();
    return {
      cost: cost(),
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
        ledger,
        retry: settings.runtime.retry,
        publishDeadlineMs: settings.runtime.publishDeadlineMs,
        onProgress: (n) => {
          responded = n;
          gate?.update();
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
        ledger,
        retry: settings.runtime.retry,
        publishDeadlineMs: settings.runtime.publishDeadlineMs,
      }),
    );
    hooks.onPublishing?.();
    // Intake runs beside the wait: paced by the budget, it publishes while pairs finish.
    intake = publishPrompts(
      pipeline,
      runId,
      run,
      dataset.rows(),
      undefined,
      gate === null ? {} : { admit: (row) => gate.admit(row) },
    ).then((outcome) => {
      // Withheld by the budget: not waited for. Withheld by an interrupt: the run is partial,
      // and running it again publishes them.
      if (gate !== null && gate.stoppedAt() !== null) watch.withdraw(runId, outcome.withheld);
      return outcome;
    });
    const intakeFailed = intake.then(() => new Promise<never>(() => undefined));
    // Handled now (the wait below reads it): a failure before the wait starts is not unhandled.
    intakeFailed.catch(() => undefined);
    await watch.followDeadLetters(pipeline);
    await watch.until({
      deadline: started + settings.timeoutSeconds * 1000,
      ...(hooks.interrupt === undefined ? {} : { interrupt: hooks.interrupt }),
      failures: [aggregator.done, intakeFailed, ...stages.map((s) => s.done)],
      onTick: () => {
        gate?.update();
        onProgress(progress());
      },
      what: `run ${runId}`,
    });
    ({ alreadyPublished, published } = await intake);
  } finally {
    intakeStop.abort();
    if (intake !== undefined)
      await within(
        intake.catch(() => undefined),
        5_000,
      );
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
    cost: costTable(usage.usages(), settings.cost.prices),
  });
  const agreementFile = writeAgreementReport(
    reportDir,
    aggregator.agreement.runs().find((r) => r.runId === runId),
  );
  if (agreementFile !== null) reportFiles.push(agreementFile);
  const { judged, deadLettered } = watch.completion();
  const stoppedAt = gate?.stoppedAt() ?? null;
  return {
    cost: cost(),
    costLimit:
      stoppedAt === null || settings.cost.maxCostUsd === null
        ? null
        : {
            maxUsd: settings.cost.maxCostUsd,
            published: (published ?? 0) + (alreadyPublished ?? 0),
            projectedUsd: stoppedAt.projectedUsd,
          },
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

/**
 * The budget gate of a run with --max-cost (null without): it prices a pair before any answer
 * from the run's and judge's prices, prompt lengths and output budgets.
 */
function budgetGate(
  settings: RunSettings,
  rubricChars: number,
  deps: Pick<Parameters<typeof createBudgetGate>[0], 'runId' | 'ledger' | 'signal' | 'done'>,
): IntakeGate | null {
  const { maxCostUsd, prices } = settings.cost;
  if (maxCostUsd === null) return null;
  const responderPrice = prices.priceOf(settings.model.model);
  const judgePrice = prices.priceOf(settings.judge.model);
  // Settings refuse --max-cost for a model with no price: this is only the type's null.
  if (responderPrice === null || judgePrice === null) return null;
  const bound: PairBoundSettings = {
    responder: {
      price: responderPrice,
      systemPrompt: settings.model.systemPrompt,
      maxOutputTokens: settings.model.maxOutputTokens,
    },
    judge: {
      price: judgePrice,
      instructionChars: rubricChars,
      maxOutputTokens: settings.judge.maxOutputTokens,
    },
  };
  return createBudgetGate({
    maxUsd: maxCostUsd,
    bound: (pair) => pairCostBound(pair, bound),
    ...deps,
  });
}
