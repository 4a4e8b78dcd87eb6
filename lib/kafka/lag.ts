import type { Admin } from 'kafkajs';
import type { Gauge } from 'prom-client';
import type { Logger } from '../log.ts';

/** A partition's lag: the records past what the group committed. */
export interface PartitionLag {
  partition: number;
  lag: number;
}

/**
 * Each partition's lag from the topic's offsets (low, high) and the group's committed offsets: a
 * partition the group never committed counts from its low watermark (everything still on it is
 * to be read, as a group starting from the beginning would).
 */
export function partitionLags(
  ends: readonly { partition: number; low: string; high: string }[],
  committed: readonly { partition: number; offset: string }[],
): PartitionLag[] {
  const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  return ends.map((e) => {
    const high = BigInt(e.high);
    const at = done.get(e.partition) ?? -1n;
    const from = at < 0n ? BigInt(e.low) : at;
    const lag = high > from ? high - from : 0n;
    return { partition: e.partition, lag: Number(lag) };
  });
}

/**
 * Sets the consumer-lag gauge of one group on one topic every `intervalMs` (and once at start),
 * through the stage's admin client, until `stop()`. A failed measure is logged at debug and
 * retried at the next tick: lag is an observation, never a reason to stop a stage.
 */
export function watchLag(options: {
  admin: Admin;
  stage: string;
  groupId: string;
  topic: string;
  gauge: Gauge<'stage' | 'group' | 'topic' | 'partition'>;
  intervalMs: number;
  log: Logger;
}): { stop(): void } {
  const { admin, stage, groupId, topic, gauge, log } = options;
  let measuring = false;
  const measure = async (): Promise<void> => {
    if (measuring) return;
    measuring = true;
    try {
      const [ends, fetched] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committed = fetched.find((t) => t.topic === topic)?.partitions ?? [];
      for (const { partition, lag } of partitionLags(ends, committed))
        gauge.set({ stage, group: groupId, topic, partition: String(partition) }, lag);
    } catch (error) {
      log.debug({ err: error }, 'consumer lag not measured this time');
    } finally {
      measuring = false;
    }
  };
  void measure();
  const timer = setInterval(() => void measure(), options.intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
