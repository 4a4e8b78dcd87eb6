import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ValbenchError } from '../errors.ts';

/**
 * Reads every record key of a topic, from the beginning up to its end as it was when the scan
 * started, and hands each to `visit` (values are not decoded). The consumer's group is its own
 * and never commits, so the scan leaves nothing behind.
 */
export async function scanKeys(
  kafka: Kafka,
  topic: string,
  visit: (key: string) => void,
  timeoutMs = 10 * 60_000,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
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
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
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
          if (end !== undefined && BigInt(message.offset) >= end) break;
          if (message.key !== null) visit(message.key.toString());
          seen += 1;
          payload.resolveOffset(message.offset);
          if (end !== undefined && BigInt(message.offset) + 1n >= end) {
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
    const outcome = await Promise.race([finished.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      throw new ValbenchError(
        'fatal',
        'SCAN_TIMEOUT',
        `reading the keys of ${topic} took over ${timeoutMs / 1000} s`,
      );
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
