import { ValbenchError, isValbenchError, messageOf } from '../../lib/errors.ts';
import { runIdOf } from '../../lib/ids.ts';
import { startStage, type RunningStage } from '../../lib/kafka/stage.ts';
import type { Logger } from '../../lib/log.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { JudgeRequest, RunRequest } from '../../lib/records/types.gen.ts';
import { judgeRequestOf } from '../judge/stage.ts';
import type { Rubric } from '../judge/prompt.ts';
import { publishPrompts, runConfigOf } from './produce.ts';
import { publishJudgeRequests } from '../judge/publish-requests.ts';
import { pairCostBound } from '../../lib/cost/estimate.ts';
import { createBudgetGate, type IntakeGate } from '../../lib/cost/gate.ts';
import type { CostLedger } from '../../lib/cost/ledger.ts';
import {
  datasetSettingsOf,
  judgeConfigsOf,
  modelSettingsOf,
  unservedProblems,
  type ServedEndpoints,
} from './run-request.ts';
import { loadDataset, type LoadedDataset } from './source.ts';

/** A refused request: poison for the intake stage, so it goes to the dead-letter topic. */
const refused = (request: RunRequest, reason: string): ValbenchError =>
  new ValbenchError('poison', 'RUN_REQUEST_REFUSED', `run request ${request.requestId}: ${reason}`);

/** The rows a request selects, or the reason they cannot be read (never a wait). */
export async function readRequestedDataset(
  request: RunRequest,
  served: ServedEndpoints,
): Promise<LoadedDataset> {
  try {
    return await loadDataset(datasetSettingsOf(request, served));
  } catch (error) {
    // A hub that times out or answers 5xx is asked again (the record is retried or, past the
    // budget, dead-lettered as it is); a dataset that cannot be read is refused for good.
    if (isValbenchError(error) && error.kind === 'retriable') throw error;
    throw refused(request, `dataset cannot be read: ${messageOf(error)}`);
  }
}

/** What a request becomes: its run id, the rows, and one judge request per judge. */
export async function planRun(
  request: RunRequest,
  served: ServedEndpoints,
  rubric: Rubric,
): Promise<{ runId: string; dataset: LoadedDataset; judgeRequests: JudgeRequest[] }> {
  const problems = unservedProblems(request, served);
  if (problems.length > 0) throw refused(request, problems.join('; '));
  const dataset = await readRequestedDataset(request, served);
  const run = runConfigOf(modelSettingsOf(request), request.model, dataset.selection);
  const runId = runIdOf(run);
  if (request.runId !== null && request.runId !== runId)
    throw refused(
      request,
      `the dataset changed since the request was validated (run ${request.runId} asked, ${runId} now)`,
    );
  const judgeRequests = judgeConfigsOf(request, rubric.hash).map((config) =>
    judgeRequestOf({ config, rubric, maxInvalidAttempts: 3 }, [runId], 'serve'),
  );
  return { runId, dataset, judgeRequests };
}

export interface IntakeOptions {
  pipeline: Pipeline;
  served: ServedEndpoints;
  rubric: Rubric;
  logger: Logger;
  metrics: StageMetrics;
  onRun?: (runId: string, request: RunRequest) => void;
  /** For requests with maxCostUsd: the spend and the run's progress the budget gate reads. */
  budget?: RunBudget;
}

/** What a budgeted request's intake reads: this process's spend, and pairs done per stage. */
export interface RunBudget {
  ledger: CostLedger;
  done: (runId: string) => { responder: number; judge: number };
  /** Told when a run's intake stopped at its budget (published of pairs). */
  onStopped?: (
    runId: string,
    stop: { published: number; pairs: number; projectedUsd: number },
  ) => void;
}

/**
 * The producer in service mode: run requests (from `POST /runs` or written to the topic by
 * anyone) → the run's prompts (those not already published) and its judge requests. A request
 * that cannot run (an endpoint nobody here serves, a dataset that cannot be read, a bad field)
 * goes to the dead-letter topic with its reason; the same run requested again publishes nothing
 * new.
 */
export function startRunIntake(options: IntakeOptions): Promise<RunningStage> {
  const { pipeline } = options;
  return startStage({
    stage: 'producer',
    kafka: pipeline.kafka,
    brokers: pipeline.brokers,
    connectivity: pipeline.connectivity,
    groupId: `${pipeline.names.prefix}run-intake`,
    input: { topic: pipeline.names.runRequests, codec: pipeline.codecs.runRequest },
    output: { topic: pipeline.names.judgeRequests, codec: pipeline.codecs.judgeRequest },
    deadLetters: { topic: pipeline.names.deadLetters, codec: pipeline.codecs.deadLetter },
    // One request at a time: each reads a dataset and publishes a whole run.
    concurrency: 1,
    adaptive: false,
    fromBeginning: true,
    logger: options.logger,
    metrics: options.metrics,
    handle: async (request, context) => {
      const { runId, dataset, judgeRequests } = await planRun(
        request,
        options.served,
        options.rubric,
      );
      const run = runConfigOf(modelSettingsOf(request), request.model, dataset.selection);
      const gate = budgetGateOf(request, runId, judgeRequests, options, context.signal);
      // The gate waits for pairs in flight: it looks again as they finish.
      const pacing =
        gate === null
          ? undefined
          : setInterval(() => {
              gate.update();
            }, 250);
      try {
        // Paced intake waits for judgments: the judges must know the run before its prompts.
        if (gate !== null) await publishJudgeRequests(pipeline, judgeRequests);
        const { published, alreadyPublished, withheld } = await publishPrompts(
          pipeline,
          runId,
          run,
          dataset.rows(),
          undefined,
          gate === null ? {} : { admit: (row) => gate.admit(row) },
        );
        options.logger.info(
          { runId, requestId: request.requestId, published, alreadyPublished },
          'run request accepted',
        );
        const stopped = gate?.stoppedAt() ?? null;
        // Withheld by a shutdown, not the budget: left uncommitted, read again on restart (the
        // pairs already published are skipped then).
        if (withheld.length > 0 && stopped === null)
          throw new ValbenchError(
            'retriable',
            'ABORTED',
            `run ${runId}: intake interrupted with ${withheld.length} pairs to publish`,
          );
        if (stopped !== null) {
          const stop = {
            published: published + alreadyPublished,
            pairs: dataset.pairIds.size,
            projectedUsd: stopped.projectedUsd,
          };
          options.logger.warn(
            { runId, requestId: request.requestId, withheld: withheld.length, ...stop },
            'run stopped at its cost limit (maxCostUsd)',
          );
          options.budget?.onStopped?.(runId, stop);
        }
      } catch (error) {
        if (isValbenchError(error)) throw error;
        throw new ValbenchError(
          'fatal',
          'PUBLISH_FAILED',
          `publishing run ${runId}: ${messageOf(error)}`,
          {
            cause: error,
          },
        );
      } finally {
        clearInterval(pacing);
      }
      options.onRun?.(runId, request);
      return judgeRequests.map((value) => ({ key: value.requestId, value }));
    },
  });
}

/**
 * The budget gate of a request with maxCostUsd (null without, or when this service has no budget
 * wiring): a pair is bounded by the request's output budgets and every judge it names.
 */
function budgetGateOf(
  request: RunRequest,
  runId: string,
  judgeRequests: readonly JudgeRequest[],
  options: IntakeOptions,
  signal: AbortSignal,
): IntakeGate | null {
  const { budget } = options;
  const prices = options.served.prices;
  if (request.maxCostUsd === null || budget === undefined || prices === undefined) return null;
  const model = modelSettingsOf(request);
  const responderPrice = prices.priceOf(model.model);
  const judgePrices = judgeRequests.map((j) => ({
    config: j.judge,
    price: prices.priceOf(j.judge.model),
  }));
  // Validation refused a budget for a model with no price: this is only the type's null.
  if (responderPrice === null) return null;
  const responder = {
    price: responderPrice,
    systemPrompt: model.systemPrompt,
    maxOutputTokens: model.maxOutputTokens,
  };
  return createBudgetGate({
    maxUsd: request.maxCostUsd,
    runId,
    ledger: budget.ledger,
    signal,
    done: () => budget.done(runId),
    bound: (pair) => {
      let judge = 0;
      let responderBound = 0;
      for (const { config, price } of judgePrices) {
        if (price === null) continue;
        const b = pairCostBound(pair, {
          responder,
          judge: {
            price,
            instructionChars: options.rubric.text.length,
            maxOutputTokens: config.maxOutputTokens,
          },
        });
        judge += b.judge;
        responderBound = b.responder;
      }
      return { responder: responderBound, judge };
    },
  });
}
