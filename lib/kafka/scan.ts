import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { ValbenchError } from '../errors.ts';
import { isKafkaError } from './errors.ts';

export interface ScanOptions {
  /**
   * Which records to hand to `visit`, by key, before anything is decoded (default: all). A scan
   * for one run passes `(key) => key.startsWith(runId + '/')`: the other runs cost a string test.
   */
  select?: (key: string) => boolean;
  timeoutMs?: number;
}

/**
 * Reads a topic from the beginning up to its end as it was when the scan started and hands each
 * selected record to `visit`, in offset order within a partition (values are left encoded; a
 * visit that returns a promise is awaited). The consumer's group is its own and never commits,
 * so the scan leaves nothing behind. Returns how many records were read (selected or not).
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  visit: (message: KafkaMessage & { key: Buffer }, partition: number) => void | Promise<void>,
  options: ScanOptions = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const select = options.select ?? (() => true);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await endOffsets(admin, topic, Date.now() + Math.min(timeoutMs, 60_000))) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return 0;
  const consumer = kafka.consumer({
    groupId: `valbench-scan-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  let seen = 0;
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const end = ends.get(batch.partition);
        for (const message of batch.messages) {
          if (end === undefined || BigInt(message.offset) >= end) break;
          const key = message.key;
          if (key !== null && select(key.toString())) {
            try {
              await visit({ ...message, key }, batch.partition);
            } catch (error) {
              fail(error);
              return;
            }
          }
          seen += 1;
          payload.resolveOffset(message.offset);
          if (BigInt(message.offset) + 1n >= end) {
            ends.delete(batch.partition);
            if (ends.size === 0) finish();
          }
        }
        await payload.heartbeat();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    const outcome = await Promise.race([finished.then(() => 'done' as const), timedOut]).finally(
      () => {
        clearTimeout(timer);
      },
    );
    if (outcome === 'timeout')
      throw new ValbenchError(
        'fatal',
        'SCAN_TIMEOUT',
        `reading ${topic} took over ${timeoutMs / 1000} s`,
      );
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * The topic's offsets, asked again through Kafka errors until the deadline: a topic just created
 * (or a broker just restarted) answers "not the leader" for a while, and kafkajs does not retry it.
 */
async function endOffsets(
  admin: Admin,
  topic: string,
  deadline: number,
): Promise<{ partition: number; high: string; low: string }[]> {
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!isKafkaError(error) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Every record key of a topic up to its current end (values are not decoded). */
export function scanKeys(
  kafka: Kafka,
  topic: string,
  visit: (key: string) => void,
  timeoutMs = 10 * 60_000,
): Promise<number> {
  return scanTopic(
    kafka,
    topic,
    (message) => {
      visit(message.key.toString());
    },
    { timeoutMs },
  );
}
