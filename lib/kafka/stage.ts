import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError, messageOf } from '../errors.ts';
import { createAdaptiveLimit, type AdaptiveLimit } from '../limiter.ts';
import type { Logger } from '../log.ts';
import type { StageMetrics } from '../metrics.ts';
import type { RecordKind, RecordTypes } from '../records/schemas.ts';
import type { RecordCodec } from './codec.ts';
import { createPartitionOffsets, type PartitionOffsets } from './offsets.ts';
import { createProducer } from './client.ts';
import { createPublisher, type Outgoing } from './publish.ts';

export type StageName = 'producer' | 'responder' | 'judge' | 'aggregator';

/** What the handler gets besides the record. */
export interface HandleContext {
  key: string;
  signal: AbortSignal;
  /** Called on each 429, so the pool's adaptive limit backs off. */
  onRateLimited: () => void;
}

export interface StageOptions<In extends RecordKind, Out extends RecordKind> {
  stage: StageName;
  kafka: Kafka;
  groupId: string;
  input: { topic: string; codec: RecordCodec<In> };
  output: { topic: string; codec: RecordCodec<Out> };
  deadLetters: { topic: string; codec: RecordCodec<'deadLetter'> };
  /** At most this many records in flight (model calls) in this process. */
  concurrency: number;
  adaptive: boolean;
  fromBeginning: boolean;
  handle: (
    record: RecordTypes[In],
    context: HandleContext,
  ) => Promise<Outgoing<RecordTypes[Out]>[]>;
  logger: Logger;
  metrics: StageMetrics;
  commitIntervalMs?: number;
  /**
   * How long the group waits for a silent member (a killed process) before giving its partitions
   * to the others. Slow model calls do not count: the fetch loop heartbeats while it waits.
   */
  sessionTimeoutMs?: number;
  /** Called with the number of records finished so far (ok or dead-lettered), for progress. */
  onProgress?: (finished: number) => void;
  /** Called for each dead-lettered record, with its run id when it could be read. */
  onDeadLetter?: (runId: string | null, error: ValbenchError) => void;
}

export interface RunningStage {
  /** Resolves when the stage stopped cleanly, rejects on a fatal error. */
  readonly done: Promise<void>;
  /** Stops fetching, drains in-flight work (aborting it after the grace period), commits, disconnects. */
  stop(graceMs?: number): Promise<void>;
  readonly limit: AdaptiveLimit;
  finished(): number;
}

/**
 * Consumes a topic with a bounded in-process pool (the Confluent Parallel Consumer design):
 * - the fetch loop hands records to the pool and never awaits a model call; while the pool is
 *   full it holds the fetch (calling heartbeat() as it waits), so slow calls never cost the
 *   consumer its group membership and at most `limit.current` records are ever in flight;
 * - an offset is committed only when its output record, and those of every earlier offset of its
 *   partition, are durably produced (acks=all) or dead-lettered;
 * - a record that can never succeed (poison) goes to the dead-letter topic with the stage, reason
 *   and original bytes; a fatal error stops the stage; nothing is skipped silently.
 */
export async function startStage<In extends RecordKind, Out extends RecordKind>(
  options: StageOptions<In, Out>,
): Promise<RunningStage> {
  const { stage, logger, metrics } = options;
  const log = logger.child({ stage, group: options.groupId });
  const limit = createAdaptiveLimit(options.concurrency, { adaptive: options.adaptive });
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, (options.sessionTimeoutMs ?? 30_000) / 3),
    maxWaitTimeInMs: 250,
    retry: { retries: 10 },
  });
  const producer: Producer = createProducer(options.kafka);
  const publisher = createPublisher(producer, options.output.codec, options.output.topic);
  const deadLetterPublisher = createPublisher(
    producer,
    options.deadLetters.codec,
    options.deadLetters.topic,
  );

  const abort = new AbortController();
  const partitions = new Map<number, PartitionOffsets>();
  const committed = new Map<number, bigint>();
  let generation = 0;
  let inFlight = 0;
  let finishedCount = 0;
  let stopping = false;
  let slotWaiters: (() => void)[] = [];
  let fatal: unknown;
  let resolveDone: () => void = () => undefined;
  let rejectDone: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  metrics.concurrencyLimit.set({ stage }, limit.current);
  const wakeSlotWaiters = (): void => {
    const waiters = slotWaiters;
    slotWaiters = [];
    for (const wake of waiters) wake();
  };

  async function deadLetter(
    message: KafkaMessage,
    partition: number,
    error: ValbenchError,
    runId: string | null,
  ): Promise<void> {
    metrics.deadLetters.inc({ stage, code: error.code });
    options.onDeadLetter?.(runId, error);
    metrics.records.inc({ stage, outcome: 'dead_lettered' });
    log.warn(
      { partition, offset: message.offset, code: error.code, reason: error.message },
      'dead-lettering record',
    );
    await deadLetterPublisher.publish([
      {
        key: message.key?.toString() ?? `${options.input.topic}/${partition}/${message.offset}`,
        value: {
          stage,
          errorCode: error.code,
          reason: error.message,
          sourceTopic: options.input.topic,
          sourcePartition: partition,
          sourceOffset: message.offset,
          key: message.key,
          value: message.value,
          runId,
          attempts: 1,
          failedAt: Date.now(),
        },
      },
    ]);
  }

  /**
   * Processes one record to completion: output produced, or dead-lettered ('done'); or left for a
   * later read when shutdown aborted it ('abandoned'). Retries infrastructure errors.
   */
  async function process(message: KafkaMessage, partition: number): Promise<'done' | 'abandoned'> {
    const key = message.key?.toString() ?? '';
    for (let attempt = 1; ; attempt += 1) {
      let runId: string | null = null;
      try {
        const record = await options.input.codec.decode(message.value);
        runId = 'runId' in record && typeof record.runId === 'string' ? record.runId : null;
        const outputs = await options.handle(record, {
          key,
          signal: abort.signal,
          onRateLimited: () => {
            limit.onRateLimited();
            metrics.concurrencyLimit.set({ stage }, limit.current);
          },
        });
        await publisher.publish(outputs);
        limit.onSuccess();
        metrics.concurrencyLimit.set({ stage }, limit.current);
        metrics.records.inc({ stage, outcome: 'ok' });
        return 'done';
      } catch (error) {
        if (abort.signal.aborted) return 'abandoned';
        const classified = classifyStageError(error);
        if (classified.kind === 'poison') {
          await deadLetter(message, partition, classified, runId);
          return 'done';
        }
        if (classified.kind === 'fatal') throw classified;
        log.warn(
          { partition, offset: message.offset, attempt, code: classified.code },
          'retrying record',
        );
        await sleep(Math.min(30_000, 200 * 2 ** Math.min(attempt, 8)), undefined, {
          signal: abort.signal,
        }).catch(() => undefined);
      }
    }
  }

  function fail(error: unknown): void {
    if (fatal !== undefined) return;
    fatal = error;
    log.error({ err: error }, 'stage failed');
    void shutdown(0).finally(() => {
      rejectDone(error);
    });
  }

  async function commit(): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string; metadata: string }[] = [];
    for (const [partition, tracker] of partitions) {
      const next = tracker.committable();
      if (next === undefined || committed.get(partition) === next) continue;
      offsets.push({
        topic: options.input.topic,
        partition,
        offset: next.toString(),
        // The incomplete offsets above the commit point, for diagnosis (they are re-read on restart).
        metadata: JSON.stringify({ inFlight: tracker.inFlight().slice(0, 50).map(String) }),
      });
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
      for (const o of offsets) committed.set(o.partition, BigInt(o.offset));
    } catch (error) {
      // A rebalance moved the partition away: its new owner re-reads from the last commit.
      log.warn({ err: messageOf(error) }, 'offset commit failed');
    }
  }

  await producer.connect();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // New assignment: forget the old bookkeeping; work still in flight from before finishes, and
    // its records are also re-read by whoever owns the partition now (downstream dedups by key).
    generation += 1;
    partitions.clear();
    committed.clear();
  });
  await consumer.subscribe({ topic: options.input.topic, fromBeginning: options.fromBeginning });

  const commitTimer = setInterval(() => {
    void commit();
  }, options.commitIntervalMs ?? 1_000);

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch } = payload;
      for (const message of batch.messages) {
        if (stopping || !payload.isRunning() || payload.isStale()) return;
        // Backpressure: hold the fetch while the pool is full, heartbeating so the group keeps us.
        while (inFlight >= limit.current && !stopping) {
          await Promise.race([new Promise<void>((wake) => slotWaiters.push(wake)), sleep(1_000)]);
          await payload.heartbeat();
        }
        if (stopping) return;
        const partition = batch.partition;
        let tracker = partitions.get(partition);
        if (tracker === undefined) {
          tracker = createPartitionOffsets();
          partitions.set(partition, tracker);
        }
        const offset = BigInt(message.offset);
        const myGeneration = generation;
        const myTracker = tracker;
        myTracker.begin(offset);
        inFlight += 1;
        metrics.inFlight.set({ stage }, inFlight);
        // Marks the fetch position only; with autoCommit off, commits come from commit() alone.
        payload.resolveOffset(message.offset);
        process(message, partition)
          .then(
            (outcome) => {
              if (outcome === 'abandoned') return;
              if (myGeneration === generation) myTracker.finish(offset);
              finishedCount += 1;
              options.onProgress?.(finishedCount);
            },
            (error: unknown) => {
              fail(error);
            },
          )
          .finally(() => {
            inFlight -= 1;
            metrics.inFlight.set({ stage }, inFlight);
            wakeSlotWaiters();
          });
      }
      await payload.heartbeat();
    },
  });

  let shuttingDown: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    shuttingDown ??= (async () => {
      stopping = true;
      wakeSlotWaiters();
      // Pause rather than stop: the consumer must stay in the group to commit the drained work.
      consumer.pause([{ topic: options.input.topic }]);
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await sleep(50);
      if (inFlight > 0) {
        log.warn(
          { inFlight },
          'grace period over: aborting in-flight work (it is re-read on restart)',
        );
        abort.abort();
        while (inFlight > 0) await sleep(20);
      }
      clearInterval(commitTimer);
      await commit();
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    })();
    return shuttingDown;
  }

  return {
    done,
    limit,
    finished: () => finishedCount,
    async stop(graceMs = 30_000) {
      await shutdown(graceMs);
      if (fatal === undefined) resolveDone();
      await done.catch(() => undefined);
    },
  };
}

/** One total function from anything thrown in a stage to our error model. */
export function classifyStageError(error: unknown): ValbenchError {
  if (isValbenchError(error)) return error;
  if (error instanceof Error && error.name.startsWith('KafkaJS')) {
    return new ValbenchError('retriable', 'KAFKA_ERROR', error.message, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new ValbenchError('retriable', 'ABORTED', 'aborted during shutdown', { cause: error });
  }
  // Programming errors and anything unknown stop the stage: never dead-lettered quietly.
  return new ValbenchError('fatal', 'UNEXPECTED', messageOf(error), { cause: error });
}
