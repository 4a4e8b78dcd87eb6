import type { Producer } from 'kafkajs';
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
  producer: Producer,
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
