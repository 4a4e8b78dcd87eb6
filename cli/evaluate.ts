import type { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import { ValbenchError } from '../lib/errors.ts';
import { judgeIdOf, judgmentKey, runIdOf } from '../lib/ids.ts';
import { createKafka, type KafkaConnection } from '../lib/kafka/client.ts';
import { createCodec } from '../lib/kafka/codec.ts';
import { createSchemaRegistry, type RegistryConnection } from '../lib/kafka/registry.ts';
import { startStage } from '../lib/kafka/stage.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import type { Logger } from '../lib/log.ts';
import { stageMetrics } from '../lib/metrics.ts';
import type { JudgeConfig, RunConfig } from '../lib/records/types.gen.ts';
import { defaultRetryPolicy } from '../lib/retry.ts';
import { createSimulatedModel } from '../lib/simulator/model.ts';
import { topicNames, topicSpecs } from '../lib/topics.ts';
import { startAggregatorConsumer } from '../services/aggregator/consume.ts';
import { emptyMetrics, type Metrics } from '../services/aggregator/metrics.ts';
import { writeReport } from '../services/aggregator/report.ts';
import { createAggregatorState } from '../services/aggregator/state.ts';
import { registerAggregatorMetrics } from '../services/aggregator/exporter.ts';
import { createJudge } from '../services/judge/judge.ts';
import { loadRubric } from '../services/judge/prompt.ts';
import {
  fileRevision,
  readJsonl,
  readParquet,
  selectRows,
  validateRow,
} from '../services/producer/dataset.ts';
import { publishPrompts } from '../services/producer/produce.ts';
import { createResponder } from '../services/responder/respond.ts';
import type { RunSettings } from './run-config.ts';

export interface EvaluationResult {
  runId: string;
  judgeId: string;
  pairs: number;
  judged: number;
  deadLettered: number;
  metrics: Metrics;
  reportFiles: string[];
  elapsedMs: number;
}

export interface Progress {
  pairs: number;
  responded: number;
  judged: number;
  deadLettered: number;
  elapsedMs: number;
}

/**
 * `valbench run`: every stage in one process, through the real topics: the producer publishes
 * the selected pairs, the responder and judge pools call the models, and the aggregator counts
 * the judgments of this run and judge until every pair is judged or dead-lettered.
 */
export async function runEvaluation(
  settings: RunSettings,
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  logger: Logger,
  registry: Registry,
  onProgress: (p: Progress) => void = () => undefined,
): Promise<EvaluationResult> {
  const started = Date.now();
  const rawRows = settings.input.endsWith('.parquet')
    ? await readParquet(settings.input)
    : readJsonl(settings.input);
  const rows = selectRows(
    rawRows.map((row, i) => validateRow(row, `${settings.input} row ${i + 1}`)),
    settings.limit,
    settings.sampleSeed,
  );
  if (rows.length === 0)
    throw new ValbenchError('fatal', 'DATASET_EMPTY', `${settings.input}: no rows selected`);
  const run: RunConfig = {
    provider: settings.provider,
    endpoint: settings.endpoint,
    model: settings.model,
    deployment: settings.deployment,
    systemPrompt: settings.systemPrompt,
    temperature: settings.temperature,
    topP: settings.topP,
    maxOutputTokens: settings.maxOutputTokens,
    reasoningEffort: null,
    webSearch: false,
    dataset: {
      datasetId: `file:${resolve(settings.input)}`,
      revision: fileRevision(settings.input),
      split: settings.split,
      limit: settings.limit,
      sampleSeed: settings.sampleSeed,
    },
  };
  const runId = runIdOf(run);
  const rubric = loadRubric(settings.rubricPath ?? undefined);
  const judgeConfig: JudgeConfig = {
    provider: settings.judgeProvider,
    endpoint: 'simulator',
    model: settings.judgeModel,
    rubricHash: rubric.hash,
    temperature: settings.judgeTemperature,
    topP: settings.judgeTopP,
    maxOutputTokens: settings.judgeMaxOutputTokens,
    reversed: settings.reversed,
  };
  const judgeId = judgeIdOf(judgeConfig);
  const log = logger.child({ runId, judgeId });

  const kafka = createKafka(connection.kafka, logger);
  const schemaRegistry = createSchemaRegistry(connection.registry);
  const names = topicNames(settings.topicPrefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const warning of await ensureTopics(admin, topicSpecs(names, settings.partitions)))
      log.warn(warning);
  } finally {
    await admin.disconnect();
  }
  const codecs = {
    prompt: createCodec(schemaRegistry, 'prompt', names.prompts),
    response: createCodec(schemaRegistry, 'response', names.responses),
    judgment: createCodec(schemaRegistry, 'judgment', names.judgments),
    deadLetter: createCodec(schemaRegistry, 'deadLetter', names.deadLetters),
  };
  await Promise.all(Object.values(codecs).map((codec) => codec.register()));

  const metrics = stageMetrics(registry);
  const simulatorModel = createSimulatedModel(settings.simulator);
  const responder = createResponder({
    resolveModel: () => simulatorModel,
    retry: defaultRetryPolicy,
    metrics,
  });
  const judge = createJudge({
    model: createSimulatedModel(settings.simulator),
    rubric,
    config: judgeConfig,
    judgeId,
    maxInvalidAttempts: settings.maxInvalidAttempts,
    retry: defaultRetryPolicy,
    metrics,
  });

  const state = createAggregatorState({ windowSize: 1000, windowMinutes: 15 });
  registerAggregatorMetrics(registry, state);
  const pairIds = new Set(rows.map((r) => r.id));
  const judgedPairs = new Set<string>();
  const deadLetteredPairs = new Set<string>();
  const countingState = {
    ...state,
    apply(j: Parameters<typeof state.apply>[0]) {
      const fresh = state.apply(j);
      if (j.runId === runId && j.judgeId === judgeId && pairIds.has(j.pairId))
        judgedPairs.add(j.pairId);
      return fresh;
    },
  };
  let responded = 0;
  const aggregator = await startAggregatorConsumer({
    kafka,
    groupId: `valbench-aggregator-${process.pid}-${Date.now()}`,
    topic: names.judgments,
    codec: codecs.judgment,
    state: countingState,
    logger,
  });
  const responderStage = await startStage({
    stage: 'responder',
    kafka,
    groupId: 'valbench-responder',
    input: { topic: names.prompts, codec: codecs.prompt },
    output: { topic: names.responses, codec: codecs.response },
    deadLetters: { topic: names.deadLetters, codec: codecs.deadLetter },
    concurrency: settings.concurrency,
    adaptive: true,
    fromBeginning: true,
    logger,
    metrics,
    handle: async (prompt, context) => [
      { key: context.key, value: await responder.respond(prompt, context) },
    ],
    onProgress: (n) => {
      responded = n;
    },
  });
  const judgeStage = await startStage({
    stage: 'judge',
    kafka,
    groupId: `valbench-judge-${judgeId}`,
    input: { topic: names.responses, codec: codecs.response },
    output: { topic: names.judgments, codec: codecs.judgment },
    deadLetters: { topic: names.deadLetters, codec: codecs.deadLetter },
    concurrency: settings.judgeConcurrency,
    adaptive: true,
    fromBeginning: true,
    logger,
    metrics,
    handle: async (response, context) => {
      const judgment = await judge.judge(response, context);
      return [{ key: judgmentKey(judgment.runId, judgment.pairId, judgeId), value: judgment }];
    },
  });

  const producer = kafka.producer();
  await producer.connect();
  const deadline = started + settings.timeoutSeconds * 1000;
  try {
    await publishPrompts(producer, codecs.prompt, names.prompts, runId, run, rows);
    // Dead letters of this run are read back from the topic, so a pair that failed in any
    // process (not only this one) ends the wait.
    const dlqConsumer = kafka.consumer({
      groupId: `valbench-dlq-watch-${process.pid}-${Date.now()}`,
      maxWaitTimeInMs: 250,
    });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: names.deadLetters, fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        const letter = await codecs.deadLetter.decode(message.value);
        const key = letter.key?.toString() ?? '';
        if (key.startsWith(`${runId}/`)) {
          const pairId = key.split('/')[1] ?? '';
          if (pairIds.has(pairId)) deadLetteredPairs.add(pairId);
        }
      },
    });
    try {
      for (;;) {
        const progress: Progress = {
          pairs: rows.length,
          responded,
          judged: judgedPairs.size,
          deadLettered: deadLetteredPairs.size,
          elapsedMs: Date.now() - started,
        };
        onProgress(progress);
        const finished = new Set([...judgedPairs, ...deadLetteredPairs]);
        if (finished.size >= rows.length) break;
        if (Date.now() > deadline) {
          throw new ValbenchError(
            'fatal',
            'RUN_TIMEOUT',
            `run did not finish in ${settings.timeoutSeconds} s: ${finished.size} of ${rows.length} pairs done`,
          );
        }
        await Promise.race([sleep(200), responderStage.done, judgeStage.done]);
      }
    } finally {
      await dlqConsumer.disconnect();
    }
  } finally {
    await producer.disconnect();
    await Promise.all([responderStage.stop(5_000), judgeStage.stop(5_000)]);
    await aggregator.stop();
  }
  const mine = state.states().find((s) => s.runId === runId && s.judgeId === judgeId);
  const result = mine?.cumulative ?? emptyMetrics();
  const reportFiles = writeReport(resolve(settings.reportDir, `${runId}-${judgeId}`), result);
  return {
    runId,
    judgeId,
    pairs: rows.length,
    judged: judgedPairs.size,
    deadLettered: deadLetteredPairs.size,
    metrics: result,
    reportFiles,
    elapsedMs: Date.now() - started,
  };
}
