import { Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';
import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import { startStage, type HandleContext, type RunningStage } from '../../lib/kafka/stage.ts';
import { silentLogger } from '../../lib/log.ts';
import { stageMetrics } from '../../lib/metrics.ts';
import { openPipeline, type Pipeline } from '../../lib/pipeline.ts';
import type { PromptPair } from '../../lib/records/types.gen.ts';
import { samplePrompt, sampleResponse } from './fixtures.ts';
import type { TestCluster } from './kafka.ts';

/** What a test handler does with one prompt: resolve to answer it, throw to fail it. */
export type TestHandler = (prompt: PromptPair, context: HandleContext) => Promise<void>;

/**
 * The generic stage loop on the real broker and registry, with a test's own handler in place of
 * a model call: prompts in (keyed run-1/<pairId>), one response out per prompt.
 */
export interface StageBench {
  pipeline: Pipeline;
  groupId: string;
  /** Publishes prompts with these pair ids, in order. */
  publish(pairIds: readonly string[]): Promise<void>;
  start(options: {
    concurrency: number;
    callsPerRecord?: number;
    handle: TestHandler;
    sessionTimeoutMs?: number;
  }): Promise<RunningStage>;
  /** The group's committed offset and metadata per partition of the prompts topic. */
  committed(): Promise<{ partition: number; offset: string; metadata: string | null }[]>;
}

export async function stageBench(cluster: TestCluster, partitions: number): Promise<StageBench> {
  const pipeline = await openPipeline(
    {
      kafka: { brokers: [cluster.brokers], clientId: 'stage-test' },
      registry: { url: cluster.registryUrl },
    },
    { topicPrefix: `${cluster.unique('stage')}.`, partitions },
    silentLogger(),
  );
  const groupId = cluster.unique('stage-group');
  return {
    pipeline,
    groupId,
    async publish(pairIds) {
      const producer = createProducer(pipeline.kafka);
      await producer.connect();
      try {
        const publisher = createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts);
        await publisher.publish(
          pairIds.map((id) => ({ key: `run-1/${id}`, value: samplePrompt(id) })),
        );
      } finally {
        await producer.disconnect();
      }
    },
    start(options) {
      return startStage({
        stage: 'responder',
        kafka: pipeline.kafka,
        brokers: pipeline.brokers,
        connectivity: pipeline.connectivity,
        groupId,
        input: { topic: pipeline.names.prompts, codec: pipeline.codecs.prompt },
        output: { topic: pipeline.names.responses, codec: pipeline.codecs.response },
        deadLetters: { topic: pipeline.names.deadLetters, codec: pipeline.codecs.deadLetter },
        concurrency: options.concurrency,
        ...(options.callsPerRecord === undefined ? {} : { callsPerRecord: options.callsPerRecord }),
        adaptive: false,
        fromBeginning: true,
        logger: silentLogger(),
        metrics: stageMetrics(new Registry()),
        sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
        handle: async (prompt, context) => {
          await options.handle(prompt, context);
          return [{ key: context.key, value: sampleResponse(prompt.pairId) }];
        },
      });
    },
    async committed() {
      const [topic] = await cluster.admin.fetchOffsets({
        groupId,
        topics: [pipeline.names.prompts],
      });
      return topic?.partitions ?? [];
    },
  };
}

/** Resolves when the signal aborts (a handler that only ends when the stage gives up on it). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    const fail = (): void => {
      reject(new DOMException('aborted', 'AbortError'));
    };
    if (signal.aborted) fail();
    signal.addEventListener('abort', fail);
  });
}

/**
 * Pair ids whose prompts land on one partition of a topic of `partitions` (keys `run-1/<id>`,
 * placed by the murmur2 partitioner the stage bench's producer uses).
 */
export function pairsOnPartition(
  partition: number,
  count: number,
  partitions: number,
  prefix = 'p',
): string[] {
  const choose = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i += 1) {
    const id = `${prefix}${i}`;
    const message = { key: `run-1/${id}`, value: null };
    if (choose({ topic: 'any', partitionMetadata, message }) === partition) ids.push(id);
  }
  return ids;
}
