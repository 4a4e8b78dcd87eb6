import { createHash } from 'node:crypto';
import type { JudgeSettings } from '../../lib/config/sections.ts';
import { judgeIdOf, judgeRequestIdOf, judgmentKey } from '../../lib/ids.ts';
import { scanKeys } from '../../lib/kafka/scan.ts';
import { startStage, type RunningStage } from '../../lib/kafka/stage.ts';
import { createChatModel, prepareProvider, type ProviderSettings } from '../../lib/llm/provider.ts';
import type { Logger } from '../../lib/log.ts';
import type { CostLedger } from '../../lib/cost/ledger.ts';
import type { StageMetrics } from '../../lib/metrics.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { JudgeConfig, JudgeRequest, Judgment } from '../../lib/records/types.gen.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../../lib/retry.ts';
import type { SimulatorOptions } from '../../lib/simulator/model.ts';
import { createJudge } from './judge.ts';
import { loadRubric, type Rubric } from './prompt.ts';

/** The judge's identity: what its id is a hash of (model, endpoint, rubric, sampling, order). */
export function judgeConfigOf(
  settings: JudgeSettings,
  rubric: Rubric,
  values: readonly string[] | null = null,
): JudgeConfig {
  return {
    provider: settings.provider.provider,
    endpoint: settings.provider.endpoint,
    model: settings.model,
    rubricHash: rubric.hash,
    temperature: settings.temperature,
    topP: settings.topP,
    maxOutputTokens: settings.maxOutputTokens,
    reversed: settings.reversed,
    values: values === null ? null : [...values],
  };
}

/**
 * The judge's rubric, config and id, from its settings and, when it labels values, the taxonomy
 * (values on is another judge configuration: another judge id).
 */
export function judgeIdentity(
  settings: JudgeSettings,
  values: readonly string[] | null = null,
): {
  rubric: Rubric;
  config: JudgeConfig;
  judgeId: string;
} {
  const rubric = loadRubric(settings.rubricPath ?? undefined);
  const config = judgeConfigOf(settings, rubric, values);
  return { rubric, config, judgeId: judgeIdOf(config) };
}

/** A request that this judge judge the runs named (and only those). */
export function judgeRequestOf(
  judge: { config: JudgeConfig; rubric: Rubric; maxInvalidAttempts: number; swapSample?: number },
  runIds: readonly string[],
  origin: string,
  now = Date.now(),
): JudgeRequest {
  const judgeId = judgeIdOf(judge.config);
  const sorted = [...new Set(runIds)].sort();
  const swapSample = judge.swapSample ?? 0;
  return {
    requestId: judgeRequestIdOf(judgeId, sorted, swapSample),
    swapSample,
    judgeId,
    judge: judge.config,
    rubric: judge.rubric.text,
    maxInvalidAttempts: judge.maxInvalidAttempts,
    runIds: sorted,
    origin,
    requestedAt: now,
  };
}

/** Why a judge request cannot be served as it is (null when it can). */
export function judgeRequestProblem(request: JudgeRequest): string | null {
  const hash = createHash('sha256').update(request.rubric).digest('hex');
  if (hash !== request.judge.rubricHash)
    return `judge request ${request.requestId}: the rubric's SHA-256 is not judge.rubricHash`;
  if (judgeIdOf(request.judge) !== request.judgeId)
    return `judge request ${request.requestId}: judgeId is not the hash of its configuration`;
  if (request.runIds.length === 0) return `judge request ${request.requestId}: no run named`;
  if (!(request.swapSample >= 0 && request.swapSample <= 1))
    return `judge request ${request.requestId}: swapSample ${request.swapSample} is not in 0..1`;
  if (
    !Number.isInteger(request.maxInvalidAttempts) ||
    request.maxInvalidAttempts < 1 ||
    request.maxInvalidAttempts > 10
  )
    return `judge request ${request.requestId}: maxInvalidAttempts ${request.maxInvalidAttempts} is not in 1..10`;
  if (request.requestId !== judgeRequestIdOf(request.judgeId, request.runIds, request.swapSample))
    return `judge request ${request.requestId}: requestId is not the hash of its judge, runs and swap sample`;
  return null;
}

/** Whether a pair is in the swap sample: a hash of its key below the fraction, on any machine. */
export function inSwapSample(key: string, fraction: number): boolean {
  const digest = createHash('sha256').update(`swap:${key}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < fraction;
}

/**
 * One consumer group per judge request: it reads the responses topic and takes only the records
 * of the runs named, so a judge asked for one run never calls its model for another. The group
 * is named after the request id (a hash of the judge and the runs), so the same request asked
 * again resumes where it stopped.
 */
export const judgeGroupId = (topicPrefix: string, requestId: string): string =>
  `${topicPrefix}judge-${requestId}`;

/**
 * The judgments of these runs by this judge already on the topic: a pair judged once (by an
 * earlier request naming the same run, or a run resumed under another request) is not judged
 * again.
 */
export async function judgedKeys(
  pipeline: Pipeline,
  runIds: readonly string[],
  judgeId: string,
): Promise<Set<string>> {
  const runs = new Set(runIds);
  const suffix = `/${judgeId}`;
  const judged = new Set<string>();
  await scanKeys(pipeline.kafka, pipeline.names.judgments, (key) => {
    if (!key.endsWith(suffix)) return;
    const pairKey = key.slice(0, -suffix.length);
    if (runs.has(pairKey.slice(0, pairKey.indexOf('/')))) judged.add(pairKey);
  });
  return judged;
}

export interface JudgeStageOptions {
  pipeline: Pipeline;
  request: JudgeRequest;
  /** The endpoint this process calls for the request's judge (its provider and alias match). */
  provider: ProviderSettings;
  simulator: SimulatorOptions;
  concurrency: number;
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
 * The judge as a running stage for one judge request: the named runs' responses → judgments
 * keyed runId/pairId/judgeId. Pairs of those runs this judge has judged already are passed over.
 */
export async function startJudgeStage(options: JudgeStageOptions): Promise<RunningStage> {
  const { pipeline, request } = options;
  prepareProvider(options.provider);
  const judgeId = request.judgeId;
  const judgeWith = (config: JudgeConfig, id: string) =>
    createJudge({
      model: createChatModel(options.provider, config.model, options.simulator),
      rubric: { text: request.rubric, hash: config.rubricHash },
      config,
      judgeId: id,
      maxInvalidAttempts: request.maxInvalidAttempts,
      retry: options.retry ?? defaultRetryPolicy,
      metrics: options.metrics,
      ledger: options.ledger,
    });
  const judge = judgeWith(request.judge, judgeId);
  // --swap-sample: a deterministic fraction of pairs is also judged by the reversed twin.
  const twinConfig = { ...request.judge, reversed: !request.judge.reversed };
  const twinId = judgeIdOf(twinConfig);
  const twin = request.swapSample > 0 ? judgeWith(twinConfig, twinId) : null;
  const swapped = (key: string): boolean => twin !== null && inSwapSample(key, request.swapSample);
  const runs = new Set(request.runIds);
  const judged = await judgedKeys(pipeline, request.runIds, judgeId);
  const twinJudged =
    twin === null ? new Set<string>() : await judgedKeys(pipeline, request.runIds, twinId);
  const logger = options.logger.child({ judgeId, judgeRequest: request.requestId });
  if (judged.size > 0)
    logger.info({ alreadyJudged: judged.size }, 'pairs judged before: passed over');
  return startStage({
    stage: 'judge',
    kafka: pipeline.kafka,
    brokers: pipeline.brokers,
    connectivity: pipeline.connectivity,
    groupId: judgeGroupId(pipeline.names.prefix, request.requestId),
    input: { topic: pipeline.names.responses, codec: pipeline.codecs.response },
    output: { topic: pipeline.names.judgments, codec: pipeline.codecs.judgment },
    deadLetters: { topic: pipeline.names.deadLetters, codec: pipeline.codecs.deadLetter },
    concurrency: options.concurrency,
    adaptive: true,
    fromBeginning: true,
    select: (key) =>
      runs.has(key.slice(0, key.indexOf('/'))) &&
      (!judged.has(key) || (swapped(key) && !twinJudged.has(key))),
    logger,
    metrics: options.metrics,
    handle: async (response, context) => {
      const key = context.key;
      const out: Judgment[] = [];
      if (!judged.has(key)) out.push(await judge.judge(response, context));
      // The twin after the judge: a failed twin costs the sample one pair, never the judgment.
      if (twin !== null && swapped(key) && !twinJudged.has(key)) {
        try {
          out.push(await twin.judge(response, context));
        } catch (error) {
          if (context.signal.aborted || out.length === 0) throw error;
          logger.warn({ key, err: error }, 'swap-sample twin failed: the pair stays unswapped');
        }
      }
      return out.map((j) => ({ key: judgmentKey(j.runId, j.pairId, j.judgeId), value: j }));
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
