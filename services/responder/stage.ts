import type { ProviderSettings } from '../../lib/llm/provider.ts';
import { createChatModel, prepareProvider } from '../../lib/llm/provider.ts';
import type { ChatModel } from '../../lib/llm/chat-model.ts';
import { startStage, type RunningStage } from '../../lib/kafka/stage.ts';
import type { Logger } from '../../lib/log.ts';
import type { CostLedger } from '../../lib/cost/ledger.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { RunConfig } from '../../lib/records/types.gen.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../../lib/retry.ts';
import type { SimulatorOptions } from '../../lib/simulator/model.ts';
import { createResponder } from './respond.ts';

export interface ResponderStageOptions {
  pipeline: Pipeline;
  /** The one endpoint this responder serves. */
  provider: ProviderSettings;
  simulator: SimulatorOptions;
  concurrency: number;
  groupId?: string;
  logger: Logger;
  metrics: StageMetrics;
  /** Counts what each call costs (valbench_cost_usd_total); none: cost not counted. */
  ledger?: CostLedger;
  retry?: RetryPolicy;
  sessionTimeoutMs?: number;
  publishDeadlineMs?: number;
  onProgress?: (finished: number) => void;
}

/**
 * Each endpoint has its own consumer group (the prompts of other endpoints are theirs), named
 * after the topic prefix too, so pipelines sharing a cluster never share a group.
 */
export const responderGroupId = (topicPrefix: string, endpoint: string): string =>
  `${topicPrefix}responder-${endpoint}`;

/**
 * The responder as a running stage: prompts → responses for the runs whose provider and endpoint
 * this process serves (any model name on it). Prompts for other endpoints are left to their own
 * responder group: committed here with no output.
 */
export function startResponderStage(options: ResponderStageOptions): Promise<RunningStage> {
  const { provider, pipeline, logger } = options;
  prepareProvider(provider);
  const models = new Map<string, ChatModel>();
  const resolveModel = (run: RunConfig): ChatModel | null => {
    if (run.provider !== provider.provider || run.endpoint !== provider.endpoint) return null;
    let model = models.get(run.model);
    if (model === undefined) {
      model = createChatModel(provider, run.model, options.simulator);
      models.set(run.model, model);
    }
    return model;
  };
  const responder = createResponder({
    resolveModel,
    retry: options.retry ?? defaultRetryPolicy,
    metrics: options.metrics,
    ledger: options.ledger,
  });
  return startStage({
    stage: 'responder',
    kafka: pipeline.kafka,
    brokers: pipeline.brokers,
    connectivity: pipeline.connectivity,
    groupId: options.groupId ?? responderGroupId(pipeline.names.prefix, provider.endpoint),
    input: { topic: pipeline.names.prompts, codec: pipeline.codecs.prompt },
    output: { topic: pipeline.names.responses, codec: pipeline.codecs.response },
    deadLetters: { topic: pipeline.names.deadLetters, codec: pipeline.codecs.deadLetter },
    concurrency: options.concurrency,
    // Both sides of a pair are asked at once, each in its own call slot.
    callsPerRecord: 2,
    adaptive: true,
    fromBeginning: true,
    logger,
    metrics: options.metrics,
    handle: async (prompt, context) => {
      const response = await responder.respond(prompt, context);
      if (response === null) {
        logger.debug(
          { key: context.key, provider: prompt.run.provider, endpoint: prompt.run.endpoint },
          'prompt for another endpoint: left to its responder group',
        );
        return [];
      }
      return [{ key: context.key, value: response }];
    },
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.sessionTimeoutMs === undefined
      ? {}
      : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.publishDeadlineMs === undefined
      ? {}
      : { publishDeadlineMs: options.publishDeadlineMs }),
  });
}
