import { Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';
import { createProducer } from '../../lib/kafka/client.ts';
import { decodeCommitMetadata } from '../../lib/kafka/offsets.ts';
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
    preemptFloorMs?: number;
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
        ...(options.preemptFloorMs === undefined ? {} : { preemptFloorMs: options.preemptFloorMs }),
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

/** The partition the stage bench's producer (murmur2, keys `run-1/<id>`) places a pair on. */
function partitionChooser(partitions: number): (pairId: string) => number {
  const choose = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return (pairId) =>
    choose({ topic: 'any', partitionMetadata, message: { key: `run-1/${pairId}`, value: null } });
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
  const place = partitionChooser(partitions);
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i += 1) {
    const id = `${prefix}${i}`;
    if (place(id) === partition) ids.push(id);
  }
  return ids;
}

/**
 * Where each pair's prompt lands when `publish` writes these ids, in order, to a new topic of
 * `partitions`: its partition and offset.
 */
export function placements(
  pairIds: readonly string[],
  partitions: number,
): Map<string, { partition: number; offset: bigint }> {
  const place = partitionChooser(partitions);
  const next = new Array<bigint>(partitions).fill(0n);
  const placed = new Map<string, { partition: number; offset: bigint }>();
  for (const id of pairIds) {
    const partition = place(id);
    const offset = next[partition] ?? 0n;
    next[partition] = offset + 1n;
    placed.set(id, { partition, offset });
  }
  return placed;
}

/** Whether the group's commit (offset, and the done/incomplete metadata) counts an offset done. */
export function committedAsDone(
  commit: { offset: string; metadata: string | null } | undefined,
  offset: bigint,
): boolean {
  if (commit === undefined) return false;
  const at = BigInt(commit.offset);
  if (at < 0n) return false;
  if (offset < at) return true;
  const known = decodeCommitMetadata(at, commit.metadata);
  return known !== null && offset < known.high && !known.incomplete.includes(offset);
}
