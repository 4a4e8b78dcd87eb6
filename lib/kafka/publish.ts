import type { RecordSender } from './batching-sender.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError } from '../errors.ts';
import type { Connectivity } from './connectivity.ts';
import { classifyKafkaError } from './errors.ts';
import type { RecordKind, RecordTypes } from '../records/schemas.ts';
import type { RecordCodec } from './codec.ts';

/** One record to publish: the key is the record identity (runId/pairId[/judgeId]). */
export interface Outgoing<T> {
  key: string;
  value: T;
  headers?: Record<string, string>;
}

/** Publishes typed records to one topic, encoded with the registry. */
export interface Publisher<K extends RecordKind> {
  readonly topic: string;
  /** Resolves once every record is acknowledged by all in-sync replicas (durably produced). */
  publish(records: readonly Outgoing<RecordTypes[K]>[]): Promise<void>;
}

export function createPublisher<K extends RecordKind>(
  producer: RecordSender,
  codec: RecordCodec<K>,
  topic: string,
): Publisher<K> {
  return {
    topic,
    async publish(records) {
      if (records.length === 0) return;
      const messages = await Promise.all(
        records.map(async (record) => ({
          key: record.key,
          value: await codec.encode(record.value),
          ...(record.headers === undefined ? {} : { headers: record.headers }),
        })),
      );
      await producer.send({ topic, acks: -1, messages });
    },
  };
}

export interface DurableSendOptions {
  /** What is being sent, for messages: "publishing to valbench.responses". */
  doing: string;
  brokers: readonly string[];
  /** Past this many milliseconds of failures the send is given up as fatal. */
  deadlineMs: number;
  /** Aborts the waits between tries (the stage gave up on in-flight work). */
  signal: AbortSignal;
  connectivity: Connectivity;
}

/**
 * Sends until it is acknowledged: retriable failures (broker unreachable, leader moving) are
 * tried again with backoff up to a 5 s cap, for as long as the deadline allows, so an answer
 * already paid for is never thrown away because Kafka blinked. Past the deadline, a fatal
 * KAFKA_PUBLISH_DEADLINE naming the brokers; a non-retriable refusal is thrown at once
 * (poison: the record is too large; fatal: authorization, unknown topic).
 */
export async function sendDurably(
  send: () => Promise<void>,
  options: DurableSendOptions,
): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await send();
      options.connectivity.succeeded();
      return;
    } catch (error) {
      const classified = isValbenchError(error)
        ? error
        : classifyKafkaError(error, options.doing, options.brokers);
      if (classified.kind !== 'retriable') throw classified;
      options.connectivity.failed(classified.message);
      const elapsed = Date.now() - started;
      if (elapsed >= options.deadlineMs) {
        throw new ValbenchError(
          'fatal',
          'KAFKA_PUBLISH_DEADLINE',
          `${options.doing}: Kafka at ${options.brokers.join(',')} did not accept the record for ${Math.round(elapsed / 1000)} s (--publish-deadline-seconds); stopping with only what was produced committed. Last error: ${classified.message}`,
        );
      }
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)), undefined, {
        signal: options.signal,
      });
    }
  }
}
