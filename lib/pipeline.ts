import type { Kafka } from 'kafkajs';
import { createKafka, type KafkaConnection } from './kafka/client.ts';
import { createCodec, type RecordCodec } from './kafka/codec.ts';
import { createSchemaRegistry, type RegistryConnection } from './kafka/registry.ts';
import { ensureTopics } from './kafka/topics.ts';
import type { Logger } from './log.ts';
import { topicNames, topicSpecs, type TopicNames } from './topics.ts';

export interface PipelineCodecs {
  prompt: RecordCodec<'prompt'>;
  response: RecordCodec<'response'>;
  judgment: RecordCodec<'judgment'>;
  deadLetter: RecordCodec<'deadLetter'>;
}

/** What every stage needs to reach the pipeline: the client, the topic names, the codecs. */
export interface Pipeline {
  kafka: Kafka;
  names: TopicNames;
  codecs: PipelineCodecs;
}

/**
 * Connects to the cluster and registry, creates the topics that are missing and registers the
 * four schemas (an incompatible schema is fatal here, before any record is read or written).
 */
export async function openPipeline(
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  options: { topicPrefix: string; partitions: number },
  logger: Logger,
): Promise<Pipeline> {
  const kafka = createKafka(connection.kafka, logger);
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
  };
  await Promise.all(Object.values(codecs).map((codec: RecordCodec<never>) => codec.register()));
  return { kafka, names, codecs };
}
