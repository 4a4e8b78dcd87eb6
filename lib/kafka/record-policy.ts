import type { KafkaMessage } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError } from '../errors.ts';
import type { AdaptiveLimit } from '../limiter.ts';
import type { Logger } from '../log.ts';
import type { StageMetrics } from '../metrics.ts';
import type { DeadLetter } from '../records/types.gen.ts';
import { redactSecrets } from '../secrets.ts';
import type { Connectivity } from './connectivity.ts';
import { classifyKafkaError, isKafkaError } from './errors.ts';
import { sendDurably, type Outgoing } from './publish.ts';

/** What the handler gets besides the record. */
export interface HandleContext {
  key: string;
  signal: AbortSignal;
  /** Called on each 429, so the pool's adaptive limit backs off. */
  onRateLimited: () => void;
  /**
   * Runs one model call in one of the pool's call slots (waiting for a free one): a slot is held
   * for the call only, not for the other calls of the record, nor for backoff between tries. The
   * call is to listen to `preempted` too: the pool aborts it to give the slot back to another
   * partition, and makes the call again (PoolRecord.slot).
   */
  slot: <T>(call: (preempted: AbortSignal) => Promise<T>) => Promise<T>;
}

export interface RecordPolicyOptions<In, Out> {
  stage: string;
  /** The input topic, for dead letters and messages. */
  topic: string;
  brokers: readonly string[];
  connectivity: Connectivity;
  log: Logger;
  metrics: StageMetrics;
  limit: AdaptiveLimit;
  /** How long publishing (or waiting for the registry to decode) may keep failing. */
  publishDeadlineMs: number;
  decode: (value: Buffer | null) => Promise<In>;
  handle: (record: In, context: HandleContext) => Promise<Outgoing<Out>[]>;
  publish: (outputs: Outgoing<Out>[]) => Promise<void>;
  publishDeadLetter: (letter: Outgoing<DeadLetter>) => Promise<void>;
  outputTopic: string;
  deadLetterTopic: string;
  onDeadLetter?: (runId: string | null, error: ValbenchError) => void;
}

/** What became of one record: done (published or dead-lettered), or left for a later read. */
export type RecordOutcome = 'done' | 'abandoned';

/**
 * The record policy of a stage, apart from its fetch and commit loop: decode (waiting for a
 * registry that restarts), handle, publish with retries until the deadline, and for a record that
 * can never succeed (poison, or a retriable failure past the handler's own budget) a dead letter
 * with the stage, reason and original bytes. A fatal error is thrown: the stage stops.
 */
export function createRecordPolicy<In, Out>(options: RecordPolicyOptions<In, Out>) {
  const { stage, topic, log, metrics, limit, publishDeadlineMs } = options;
  const send = (what: string, signal: AbortSignal, fn: () => Promise<void>): Promise<void> =>
    sendDurably(fn, {
      doing: what,
      brokers: options.brokers,
      deadlineMs: publishDeadlineMs,
      signal,
      connectivity: options.connectivity,
    });

  async function deadLetter(
    message: KafkaMessage,
    partition: number,
    error: ValbenchError,
    runId: string | null,
    signal: AbortSignal,
  ): Promise<void> {
    log.warn(
      { partition, offset: message.offset, code: error.code, reason: error.message },
      'dead-lettering record',
    );
    await send(`publishing a dead letter to ${options.deadLetterTopic}`, signal, () =>
      options.publishDeadLetter({
        key: message.key?.toString() ?? `${topic}/${partition}/${message.offset}`,
        value: {
          stage,
          errorCode: error.code,
          reason: redactSecrets(error.message),
          sourceTopic: topic,
          sourcePartition: partition,
          sourceOffset: message.offset,
          key: message.key,
          value: message.value,
          runId,
          attempts: 1,
          failedAt: Date.now(),
        },
      }),
    );
    metrics.deadLetters.inc({ stage, code: error.code });
    metrics.records.inc({ stage, outcome: 'dead_lettered' });
    options.onDeadLetter?.(runId, error);
  }

  /**
   * Decodes, waiting for a registry that does not answer (a restart) for as long as the publish
   * deadline; a registry still unreachable then stops the stage: its records are not poison.
   */
  async function decode(message: KafkaMessage, signal: AbortSignal): Promise<In> {
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await options.decode(message.value);
      } catch (error) {
        if (!isValbenchError(error) || error.kind !== 'retriable') throw error;
        if (Date.now() - started > publishDeadlineMs)
          throw new ValbenchError('fatal', error.code, error.message);
        log.warn({ code: error.code, attempt }, 'schema registry not answering: retrying');
        await sleep(Math.min(5_000, 200 * 2 ** attempt), undefined, { signal });
      }
    }
  }

  return {
    /**
     * Processes one record to completion: output produced, or dead-lettered ('done'); or left
     * for a later read because its partition was revoked or the stage stopped ('abandoned').
     * Its model calls run in `slot`, the pool's call slots for its partition (HandleContext.slot).
     */
    async process(
      message: KafkaMessage,
      partition: number,
      signal: AbortSignal,
      slot: HandleContext['slot'],
    ): Promise<RecordOutcome> {
      const key = message.key?.toString() ?? '';
      let runId: string | null = null;
      let outputs: Outgoing<Out>[];
      try {
        const record = await decode(message, signal);
        runId = runIdOf(record);
        outputs = await options.handle(record, {
          key,
          signal,
          onRateLimited: () => {
            limit.onRateLimited();
            metrics.concurrencyLimit.set({ stage }, limit.current);
          },
          slot,
        });
      } catch (error) {
        if (signal.aborted) return 'abandoned';
        const classified = classifyStageError(error);
        if (classified.kind === 'fatal') throw classified;
        // Poison, or a retriable failure the handler's own retry budget gave up on.
        await deadLetter(message, partition, classified, runId, signal);
        return 'done';
      }
      try {
        await send(`publishing to ${options.outputTopic}`, signal, () => options.publish(outputs));
      } catch (error) {
        if (signal.aborted) return 'abandoned';
        const classified = classifyStageError(error);
        if (classified.kind !== 'poison') throw classified;
        await deadLetter(message, partition, classified, runId, signal);
        return 'done';
      }
      limit.onSuccess();
      metrics.concurrencyLimit.set({ stage }, limit.current);
      metrics.records.inc({ stage, outcome: 'ok' });
      return 'done';
    },
  };
}

/** The run id of a decoded record, when it has one. */
function runIdOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || !('runId' in record)) return null;
  return typeof record.runId === 'string' ? record.runId : null;
}

/** One total function from anything thrown in a stage to our error model. */
export function classifyStageError(error: unknown): ValbenchError {
  if (isValbenchError(error)) return error;
  if (isKafkaError(error)) return classifyKafkaError(error, 'in the stage', []);
  if (error instanceof Error && error.name === 'AbortError') {
    return new ValbenchError('retriable', 'ABORTED', 'aborted during shutdown', { cause: error });
  }
  // Programming errors and anything unknown stop the stage: never dead-lettered quietly.
  return new ValbenchError('fatal', 'UNEXPECTED', String(error), { cause: error });
}
