import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDeferred } from '../deferred.ts';
import { ValbenchError } from '../errors.ts';
import { createAdaptiveLimit, type AdaptiveLimit } from '../limiter.ts';
import type { Logger } from '../log.ts';
import type { StageMetrics } from '../metrics.ts';
import type { RecordKind, RecordTypes } from '../records/schemas.ts';
import { within } from '../within.ts';
import type { RecordCodec } from './codec.ts';
import { createCommitter, type PartitionState } from './committer.ts';
import { createFairPool, type BatchEnd, type PoolRecord } from './fair-pool.ts';
import type { Connectivity } from './connectivity.ts';
import { classifyKafkaError } from './errors.ts';
import { watchLag } from './lag.ts';
import { createPartitionOffsets } from './offsets.ts';
import { createBatchingSender } from './batching-sender.ts';
import { createProducer } from './client.ts';
import { createPublisher, type Outgoing } from './publish.ts';
import { createRecordPolicy, type HandleContext } from './record-policy.ts';

export type StageName = 'producer' | 'responder' | 'judge' | 'aggregator';

export type { HandleContext } from './record-policy.ts';

export interface StageOptions<In extends RecordKind, Out extends RecordKind> {
  stage: StageName;
  kafka: Kafka;
  brokers: readonly string[];
  connectivity: Connectivity;
  groupId: string;
  input: { topic: string; codec: RecordCodec<In> };
  output: { topic: string; codec: RecordCodec<Out> };
  deadLetters: { topic: string; codec: RecordCodec<'deadLetter'> };
  /** Records in flight in this process: `concurrency × callsPerRecord` model calls at most. */
  concurrency: number;
  /** Model calls a record makes at once (the responder's two sides: 2; default 1). */
  callsPerRecord?: number;
  adaptive: boolean;
  fromBeginning: boolean;
  /**
   * Which records are this stage's, by key, before anything is decoded (default: all). The
   * others are passed over: no slot, no call, committed as done (a judge asked for some runs
   * reads the responses topic and passes over every other run's records at the cost of a test).
   */
  select?: (key: string) => boolean;
  handle: (
    record: RecordTypes[In],
    context: HandleContext,
  ) => Promise<Outgoing<RecordTypes[Out]>[]>;
  logger: Logger;
  metrics: StageMetrics;
  /**
   * How long the group waits for a silent member (a killed process) before giving its partitions
   * to the others. Slow model calls do not count: the fetch loop heartbeats while it waits.
   */
  sessionTimeoutMs?: number;
  /**
   * The least time a call beyond its partition's share runs before it may be pre-empted (the
   * fair pool's floor: default 5 s; tests shorten it).
   */
  preemptFloorMs?: number;
  /** How often the group's consumer lag is measured for /metrics (default 5 s). */
  lagIntervalMs?: number;
  /** How long publishing an output (or committing) may keep failing before the stage stops. */
  publishDeadlineMs?: number;
  /** Called with the number of records finished so far (ok or dead-lettered), for progress. */
  onProgress?: (finished: number) => void;
  /** Called for each dead-lettered record, with its run id when it could be read. */
  onDeadLetter?: (runId: string | null, error: ValbenchError) => void;
}

/** Whether a stage is consuming, and if not, why (for /healthz). */
export interface StageHealth {
  consuming: boolean;
  reason: string;
}

export interface RunningStage {
  /** Resolves when the stage stopped cleanly, rejects on a fatal error. */
  readonly done: Promise<void>;
  /**
   * Stops fetching, drains in-flight work (aborting it after the grace period: it is re-read on
   * restart), commits what finished, disconnects; bounded in time whatever the broker does.
   */
  stop(graceMs?: number): Promise<void>;
  readonly limit: AdaptiveLimit;
  finished(): number;
  health(): StageHealth;
}

/** How long a consumer may go without a fetch, while no batch waits for room, and be healthy. */
const fetchSilenceMs = 30_000;
/** Bound on each close step, so a stop ends even when the broker does not answer. */
const closeStepMs = 5_000;
/**
 * How long a batch waits for room before it leaves (when a partition outside any batch may
 * have records only a new fetch brings): long enough that a partition whose calls answer keeps
 * its batch, short enough that a hung one lets the others be fetched.
 */
const stallMs = 1_000;

/**
 * Consumes a topic with a bounded in-process pool (the Confluent Parallel Consumer design):
 * - the fetch loop hands records to the pool and never awaits a model call; while the pool is
 *   full it holds the fetch (calling heartbeat() as it waits), so slow calls never cost the
 *   consumer its group membership;
 * - each model call holds a call slot for the call alone, and a record is held (counted) from
 *   fetch until its completion is committed: at most `limit.current × callsPerRecord` calls run
 *   and at most twice the limit of records are processed-but-uncommitted, so the pool stays full
 *   while a slow call, a publish or a commit finishes, and a crash repeats no more than the held
 *   records;
 * - an output is published with retries of its own until a deadline (the model is never asked
 *   again because Kafka failed); an offset is committed only when its output, and those of every
 *   earlier offset of its partition, are durably produced or dead-lettered, with the unfinished
 *   offsets above it in the commit metadata, so whoever reads the partition next skips the rest;
 * - the pool is shared fairly among the partitions with work (see fair-pool.ts): a partition
 *   whose calls hang holds only its share, and a batch never waits so long for room that the
 *   others go unfetched (kafkajs fetches again only once every batch of a fetch is done: a batch
 *   leaves early instead, and a partition at its share is paused until under it again);
 * - on a rebalance, finished work is committed and only the revoked partitions' calls aborted;
 * - a record that can never succeed (poison) goes to the dead-letter topic with the stage, reason
 *   and original bytes; a fatal error stops the stage; nothing is skipped silently.
 */
export async function startStage<In extends RecordKind, Out extends RecordKind>(
  options: StageOptions<In, Out>,
): Promise<RunningStage> {
  const { stage, logger, metrics, connectivity, brokers } = options;
  const topic = options.input.topic;
  const log = logger.child({ stage, group: options.groupId });
  const limit = createAdaptiveLimit(options.concurrency, { adaptive: options.adaptive });
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  const publishDeadlineMs = options.publishDeadlineMs ?? 10 * 60_000;
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout,
    heartbeatInterval: Math.min(3_000, sessionTimeout / 3),
    maxWaitTimeInMs: 250,
    // A fetch of at most 2 MB (256 KB a partition) instead of kafkajs's 10 MB / 1 MB: a few
    // hundred records, plenty for a pool of C calls, and fetch buffers that stay small.
    maxBytes: 2 * 1024 * 1024,
    maxBytesPerPartition: 256 * 1024,
    retry: { retries: 10 },
  });
  const producer: Producer = createProducer(options.kafka);
  const admin: Admin = options.kafka.admin();
  // Outputs and dead letters of records finishing together go out as one request.
  const sender = createBatchingSender(producer);
  const publisher = createPublisher(sender, options.output.codec, options.output.topic);
  const deadLetterPublisher = createPublisher(
    sender,
    options.deadLetters.codec,
    options.deadLetters.topic,
  );

  const partitions = new Map<number, PartitionState>();
  const loading = new Map<number, Promise<PartitionState>>();
  // Records held: processing (model calls, then the publish), or finished and waiting for their
  // commit. Model calls run in call slots (`limit.current × callsPerRecord`), each held for one
  // call only, and a record is fetched while its partition has a free slot in its share and fewer
  // than twice the limit are held: a slow call, publish or commit never leaves the other slots
  // empty, and a crash repeats at most the held records (in practice the calls in flight: commits
  // follow within milliseconds).
  const callsPerRecord = options.callsPerRecord ?? 1;
  let occupied = 0;
  let processing = 0;
  let finishedCount = 0;
  let joined = false;
  let assigned = new Set<number>();
  let lastFetch = Date.now();
  let stopping = false;
  let slotWaiters: (() => void)[] = [];
  // Batches waiting for room in the pool (the fetch is held on purpose, not stuck).
  let waiting = 0;
  let fatal: unknown;
  const done = createDeferred();

  metrics.concurrencyLimit.set({ stage }, limit.current);
  const wakeSlotWaiters = (): void => {
    const waiters = slotWaiters;
    slotWaiters = [];
    for (const wake of waiters) wake();
  };
  const releaseSlot = (): void => {
    occupied -= 1;
    wakeSlotWaiters();
  };
  // kafkajs refuses to pause or resume while it restarts a crashed consumer; the restarted one
  // starts with nothing paused, and the pool pauses again what it must on the rejoin.
  const pausing =
    (action: 'pause' | 'resume') =>
    (partition: number): void => {
      try {
        consumer[action]([{ topic, partitions: [partition] }]);
        log.debug({ partition }, action === 'pause' ? 'partition paused' : 'partition resumed');
      } catch (error) {
        log.debug({ err: error, partition }, `${action} refused while the consumer restarts`);
      }
    };
  const pool = createFairPool({
    limit: () => limit.current,
    callsPerRecord,
    pause: pausing('pause'),
    resume: pausing('resume'),
    changed: wakeSlotWaiters,
    onCalls: (calls) => {
      metrics.inFlight.set({ stage }, calls);
    },
    probe: async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    },
    onProbeError: (error) => {
      log.debug({ err: error }, 'high watermarks not read this time (tried again)');
    },
    ...(options.preemptFloorMs === undefined ? {} : { preemptFloorMs: options.preemptFloorMs }),
  });

  const committer = createCommitter({
    consumer,
    topic,
    brokers,
    partitions,
    connectivity,
    log,
    deadlineMs: publishDeadlineMs,
    inGroup: () => joined,
    onFatal: fail,
  });

  /** The partition's tracker, started from the group's committed offset and metadata. */
  function stateFor(partition: number): Promise<PartitionState> {
    const existing = partitions.get(partition);
    if (existing !== undefined) return Promise.resolve(existing);
    let pending = loading.get(partition);
    if (pending === undefined) {
      pending = (async () => {
        const fetched = await admin.fetchOffsets({ groupId: options.groupId, topics: [topic] });
        const found = fetched[0]?.partitions.find((p) => p.partition === partition);
        const offset = BigInt(found?.offset ?? '-1');
        const tracker = createPartitionOffsets(
          offset < 0n ? null : { offset, metadata: found?.metadata ?? null },
        );
        const state: PartitionState = {
          tracker,
          abort: new AbortController(),
          awaitingCommit: [],
          // What the group has already: nothing to commit until a record finishes.
          committed: tracker.commitPoint(),
        };
        // Every in-flight call listens on this signal: far more than Node's default of 10.
        setMaxListeners(0, state.abort.signal);
        // Revoked while its offsets were read: the batch that asked ends without it.
        if (assigned.has(partition)) partitions.set(partition, state);
        return state;
      })().finally(() => loading.delete(partition));
      loading.set(partition, pending);
    }
    return pending;
  }

  function revoke(partition: number, state: PartitionState): void {
    partitions.delete(partition);
    state.abort.abort();
    for (const release of state.awaitingCommit.splice(0)) release();
  }

  const policy = createRecordPolicy({
    stage,
    topic,
    brokers,
    connectivity,
    log,
    metrics,
    limit,
    publishDeadlineMs,
    decode: (value) => options.input.codec.decode(value),
    handle: options.handle,
    publish: (outputs) => publisher.publish(outputs),
    publishDeadLetter: (letter) => deadLetterPublisher.publish([letter]),
    outputTopic: options.output.topic,
    deadLetterTopic: options.deadLetters.topic,
    ...(options.onDeadLetter === undefined ? {} : { onDeadLetter: options.onDeadLetter }),
  });

  async function runRecord(
    message: KafkaMessage,
    partition: number,
    state: PartitionState,
    offset: bigint,
    record: PoolRecord,
  ): Promise<void> {
    let outcome: 'done' | 'abandoned' = 'abandoned';
    try {
      outcome = await policy.process(message, partition, state.abort.signal, record.slot);
    } catch (error) {
      fail(error);
    }
    processing -= 1;
    record.end();
    if (outcome === 'abandoned' || partitions.get(partition) !== state) {
      releaseSlot();
      return;
    }
    state.tracker.finish(offset);
    finishedCount += 1;
    options.onProgress?.(finishedCount);
    state.awaitingCommit.push(releaseSlot);
    committer.schedule();
  }

  /**
   * Waits, heartbeating, until the partition may take a record: a call slot free in its share of
   * the pool, and fewer than twice the limit held in all. Says to leave the batch instead when
   * another partition ran out of records in hand ('yield'), or when this one has waited
   * `stallMs` while another partition is outside any batch ('stall'): kafkajs fetches again only
   * once every batch of the last fetch is done, so a batch waiting here keeps the others from
   * their records.
   */
  async function hold(
    payload: EachBatchPayload,
    partition: number,
  ): Promise<'go' | 'yield' | 'stall'> {
    const since = Date.now();
    while (!stopping && (occupied >= 2 * limit.current || !pool.mayBegin(partition))) {
      if (pool.othersStarved(partition)) return 'yield';
      if (Date.now() - since >= stallMs && pool.othersOutside(partition)) return 'stall';
      waiting += 1;
      try {
        await new Promise<void>((wake) => slotWaiters.push(wake));
        await payload.heartbeat();
      } finally {
        waiting -= 1;
      }
    }
    return 'go';
  }

  function fail(error: unknown): void {
    if (fatal !== undefined) return;
    fatal = error;
    log.error({ err: error }, 'stage failed');
    void shutdown(0).finally(() => {
      done.reject(error);
    });
  }

  await producer.connect();
  await admin.connect();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assigned = new Set(payload.memberAssignment[topic] ?? []);
    // Partitions kept keep their trackers and in-flight calls; the others are someone else's now.
    for (const [partition, state] of partitions)
      if (!assigned.has(partition)) revoke(partition, state);
    pool.assign(assigned);
    joined = true;
    lastFetch = Date.now();
    // Work finished while out of the group, on the partitions kept.
    committer.schedule();
  });
  consumer.on(consumer.events.REBALANCING, () => {
    // kafkajs rejoins at once. Commits wait for the rejoin: one sent now would race the join, be
    // refused, and be retried by kafkajs under the new generation, where it could land after the
    // new owner's commits of a partition that moved. What finishes meanwhile on a partition that
    // moves is repeated by its new owner (no more than the records held).
    joined = false;
  });
  consumer.on(consumer.events.FETCH_START, () => {
    pool.fetchStarted();
  });
  consumer.on(consumer.events.FETCH, () => {
    lastFetch = Date.now();
    connectivity.succeeded();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    const reason = classifyKafkaError(payload.error, `consuming ${topic}`, brokers);
    if (!payload.restart) {
      fail(
        new ValbenchError(
          'fatal',
          'CONSUMER_CRASHED',
          `the ${stage} consumer of ${topic} stopped: ${reason.message}`,
        ),
      );
      return;
    }
    connectivity.failed(reason.message);
    log.warn({ code: reason.code }, 'consumer crashed; kafkajs restarts it');
  });
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });

  const commitTimer = setInterval(() => {
    committer.schedule();
  }, 1_000);
  commitTimer.unref();
  // Waiting batches look again each second (to heartbeat, and to leave a stalled batch).
  const waitTick = setInterval(wakeSlotWaiters, 1_000);
  waitTick.unref();
  const lag = watchLag({
    admin,
    stage,
    groupId: options.groupId,
    topic,
    gauge: metrics.consumerLag,
    intervalMs: options.lagIntervalMs ?? 5_000,
    log,
  });

  // Every batch of one fetch is handed out at once: shares count all of them from the start, and
  // a batch waiting for room never keeps another batch of the same fetch from its records.
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitionCount = metadata.topics[0]?.partitions.length ?? 1;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.max(1, partitionCount),
    eachBatch: async (payload) => {
      const { batch } = payload;
      const partition = batch.partition;
      // Counted before the first await, so every batch of the fetch is counted before any
      // takes a record. Leaving without resolving the rest: kafkajs fetches it again from there.
      const leave = pool.enter(partition);
      let reason: BatchEnd = 'yield';
      let backlog = true;
      try {
        const state = await stateFor(partition);
        const select = options.select;
        for (const message of batch.messages) {
          if (select !== undefined && !select(message.key?.toString() ?? '')) {
            if (stopping || !payload.isRunning() || payload.isStale()) return;
            if (partitions.get(partition) !== state) return;
            const offset = BigInt(message.offset);
            payload.resolveOffset(message.offset);
            if (state.tracker.begin(offset)) {
              state.tracker.finish(offset);
              committer.schedule();
            }
            continue;
          }
          // Backpressure: hold the fetch while the pool (or this partition's share) is full,
          // heartbeating so the group keeps us; or leave the batch for the others.
          const room = await hold(payload, partition);
          if (room !== 'go') {
            reason = room;
            return;
          }
          if (stopping || !payload.isRunning() || payload.isStale()) return;
          if (partitions.get(partition) !== state) return;
          const offset = BigInt(message.offset);
          // Marks the fetch position only; with autoCommit off, commits come from the committer.
          payload.resolveOffset(message.offset);
          if (!state.tracker.begin(offset)) continue;
          occupied += 1;
          processing += 1;
          void runRecord(
            message,
            partition,
            state,
            offset,
            pool.begin(partition, state.abort.signal),
          );
        }
        reason = 'end';
        backlog = BigInt(batch.offsetLag()) > 0n;
        await payload.heartbeat();
      } finally {
        leave({ reason, backlog, highWatermark: BigInt(batch.highWatermark) });
      }
    },
  });

  let shuttingDown: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    shuttingDown ??= (async () => {
      stopping = true;
      pool.stop();
      wakeSlotWaiters();
      // Pause rather than stop: the consumer must stay in the group to commit the drained work.
      // (kafkajs refuses to pause a consumer it is restarting: then nothing is fetched anyway.)
      try {
        consumer.pause([{ topic }]);
      } catch (error) {
        log.debug({ err: error }, 'pause refused while the consumer restarts');
      }
      const deadline = Date.now() + graceMs;
      while (processing > 0 && Date.now() < deadline) await sleep(50);
      if (processing > 0) {
        log.warn(
          { inFlight: processing },
          'grace period over: aborting in-flight work (it is re-read on restart)',
        );
        for (const state of partitions.values()) state.abort.abort();
        const hard = Date.now() + closeStepMs;
        while (processing > 0 && Date.now() < hard) await sleep(20);
      }
      clearInterval(commitTimer);
      clearInterval(waitTick);
      lag.stop();
      await committer.flush(closeStepMs);
      committer.close();
      await within(consumer.stop(), closeStepMs);
      await within(consumer.disconnect(), closeStepMs);
      await within(producer.disconnect(), closeStepMs);
      await within(admin.disconnect(), closeStepMs);
    })();
    return shuttingDown;
  }

  return {
    done: done.promise,
    limit,
    finished: () => finishedCount,
    health() {
      if (stopping) return { consuming: false, reason: `${stage} is stopping` };
      if (!joined)
        return {
          consuming: false,
          reason: `${stage} is not in its consumer group (joining, rebalancing or restarting)`,
        };
      const silent = Date.now() - lastFetch;
      if (silent > fetchSilenceMs && waiting === 0)
        return {
          consuming: false,
          reason: `${stage} has fetched nothing from ${brokers.join(',')} for ${Math.round(silent / 1000)} s`,
        };
      return { consuming: true, reason: `${stage} consuming ${topic}` };
    },
    async stop(graceMs = 30_000) {
      await shutdown(graceMs);
      if (fatal === undefined) done.resolve();
      await done.promise.catch(() => undefined);
    },
  };
}
