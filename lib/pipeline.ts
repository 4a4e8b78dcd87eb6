import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isValbenchError } from './errors.ts';
import { createKafka, type KafkaConnection } from './kafka/client.ts';
import { createCodec, type RecordCodec } from './kafka/codec.ts';
import {
  createConnectivity,
  describeConnectivity,
  type Connectivity,
  type ConnectivityEvent,
} from './kafka/connectivity.ts';
import { createSchemaRegistry, type RegistryConnection } from './kafka/registry.ts';
import { ensureTopics } from './kafka/topics.ts';
import type { Logger } from './log.ts';
import { topicNames, topicSpecs, type TopicNames } from './topics.ts';

export interface PipelineCodecs {
  prompt: RecordCodec<'prompt'>;
  response: RecordCodec<'response'>;
  judgment: RecordCodec<'judgment'>;
  deadLetter: RecordCodec<'deadLetter'>;
  runRequest: RecordCodec<'runRequest'>;
  judgeRequest: RecordCodec<'judgeRequest'>;
}

/** What every stage needs to reach the pipeline: the client, the topic names, the codecs. */
export interface Pipeline {
  kafka: Kafka;
  /** The bootstrap brokers, for messages that must say where Kafka was not reachable. */
  brokers: readonly string[];
  names: TopicNames;
  codecs: PipelineCodecs;
  /** Whether the broker answers, fed by every client of this pipeline. */
  connectivity: Connectivity;
}

export interface PipelineOptions {
  topicPrefix: string;
  partitions: number;
  /** Told once when the broker becomes unreachable and once when it is back (default: logged). */
  onConnectivity?: (event: ConnectivityEvent) => void;
  /** How long registering the schemas may wait for a registry that is restarting. */
  registryWaitMs?: number;
}

/**
 * Connects to the cluster and registry, creates the topics that are missing and registers the
 * schemas (an incompatible schema is fatal here, before any record is read or written; a
 * registry that does not answer yet is waited for, up to `registryWaitMs`).
 */
export async function openPipeline(
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  options: PipelineOptions,
  logger: Logger,
): Promise<Pipeline> {
  const report =
    options.onConnectivity ??
    ((event: ConnectivityEvent) => {
      logger.warn({ connectivity: event.kind }, describeConnectivity(event));
    });
  const connectivity = createConnectivity(connection.kafka.brokers, report);
  const kafka = createKafka(connection.kafka, logger, connectivity);
  const registry = createSchemaRegistry(connection.registry);
  const names = topicNames(options.topicPrefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const warning of await ensureTopics(admin, topicSpecs(names, options.partitions)))
      logger.warn(warning);
  } finally {
    await admin.disconnect();
  }
  const codecs: PipelineCodecs = {
    prompt: createCodec(registry, 'prompt', names.prompts),
    response: createCodec(registry, 'response', names.responses),
    judgment: createCodec(registry, 'judgment', names.judgments),
    deadLetter: createCodec(registry, 'deadLetter', names.deadLetters),
    runRequest: createCodec(registry, 'runRequest', names.runRequests),
    judgeRequest: createCodec(registry, 'judgeRequest', names.judgeRequests),
  };
  const deadline = Date.now() + (options.registryWaitMs ?? 60_000);
  for (;;) {
    try {
      await Promise.all(Object.values(codecs).map((codec: RecordCodec<never>) => codec.register()));
      break;
    } catch (error) {
      if (!isValbenchError(error) || error.kind !== 'retriable' || Date.now() > deadline)
        throw error;
      logger.warn({ code: error.code }, 'schema registry not answering yet: retrying');
      await sleep(1_000);
    }
  }
  return { kafka, brokers: connection.kafka.brokers, names, codecs, connectivity };
}
