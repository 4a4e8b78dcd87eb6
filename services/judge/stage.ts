import type { JudgeSettings } from '../../lib/config/sections.ts';
import { judgeIdOf, judgmentKey } from '../../lib/ids.ts';
import { startStage, type RunningStage } from '../../lib/kafka/stage.ts';
import { createChatModel } from '../../lib/llm/provider.ts';
import type { Logger } from '../../lib/log.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { JudgeConfig } from '../../lib/records/types.gen.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../../lib/retry.ts';
import type { SimulatorOptions } from '../../lib/simulator/model.ts';
import { createJudge } from './judge.ts';
import { loadRubric, type Rubric } from './prompt.ts';

/** The judge's identity: what its id is a hash of (model, endpoint, rubric, sampling, order). */
export function judgeConfigOf(settings: JudgeSettings, rubric: Rubric): JudgeConfig {
  return {
    provider: settings.provider.provider,
    endpoint: settings.provider.endpoint,
    model: settings.model,
    rubricHash: rubric.hash,
    temperature: settings.temperature,
    topP: settings.topP,
    maxOutputTokens: settings.maxOutputTokens,
    reversed: settings.reversed,
  };
}

/** The judge's rubric, config and id, from its settings. */
export function judgeIdentity(settings: JudgeSettings): {
  rubric: Rubric;
  config: JudgeConfig;
  judgeId: string;
} {
  const rubric = loadRubric(settings.rubricPath ?? undefined);
  const config = judgeConfigOf(settings, rubric);
  return { rubric, config, judgeId: judgeIdOf(config) };
}

/** One consumer group per judge (and pipeline): a new judge replays the responses from the start. */
export const judgeGroupId = (topicPrefix: string, judgeId: string): string =>
  `${topicPrefix}judge-${judgeId}`;

export interface JudgeStageOptions {
  pipeline: Pipeline;
  judge: JudgeSettings;
  simulator: SimulatorOptions;
  concurrency: number;
  logger: Logger;
  metrics: StageMetrics;
  retry?: RetryPolicy;
  sessionTimeoutMs?: number;
  publishDeadlineMs?: number;
  onProgress?: (finished: number) => void;
}

export interface JudgeStage {
  judgeId: string;
  config: JudgeConfig;
  stage: RunningStage;
}

/** The judge as a running stage: responses → judgments keyed runId/pairId/judgeId. */
export async function startJudgeStage(options: JudgeStageOptions): Promise<JudgeStage> {
  const { pipeline, judge: settings } = options;
  const { rubric, config, judgeId } = judgeIdentity(settings);
  const judge = createJudge({
    model: createChatModel(settings.provider, settings.model, options.simulator),
    rubric,
    config,
    judgeId,
    maxInvalidAttempts: settings.maxInvalidAttempts,
    retry: options.retry ?? defaultRetryPolicy,
    metrics: options.metrics,
  });
  const stage = await startStage({
    stage: 'judge',
    kafka: pipeline.kafka,
    brokers: pipeline.brokers,
    connectivity: pipeline.connectivity,
    groupId: judgeGroupId(pipeline.names.prefix, judgeId),
    input: { topic: pipeline.names.responses, codec: pipeline.codecs.response },
    output: { topic: pipeline.names.judgments, codec: pipeline.codecs.judgment },
    deadLetters: { topic: pipeline.names.deadLetters, codec: pipeline.codecs.deadLetter },
    concurrency: options.concurrency,
    adaptive: true,
    fromBeginning: true,
    logger: options.logger.child({ judgeId }),
    metrics: options.metrics,
    handle: async (response, context) => {
      const judgment = await judge.judge(response, context);
      return [{ key: judgmentKey(judgment.runId, judgment.pairId, judgeId), value: judgment }];
    },
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.sessionTimeoutMs === undefined
      ? {}
      : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.publishDeadlineMs === undefined
      ? {}
      : { publishDeadlineMs: options.publishDeadlineMs }),
  });
  return { judgeId, config, stage };
}
