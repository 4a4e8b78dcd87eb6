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
    handle: async (request) => {
      const { runId, dataset, judgeRequests } = await planRun(
        request,
        options.served,
        options.rubric,
      );
      const run = runConfigOf(modelSettingsOf(request), request.model, dataset.selection);
      try {
        const { published, alreadyPublished } = await publishPrompts(
          pipeline,
          runId,
          run,
          dataset.rows(),
        );
        options.logger.info(
          { runId, requestId: request.requestId, published, alreadyPublished },
          'run request accepted',
        );
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
      }
      options.onRun?.(runId, request);
      return judgeRequests.map((value) => ({ key: value.requestId, value }));
    },
  });
}
