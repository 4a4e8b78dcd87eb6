import type { Admin } from 'kafkajs';

/** One topic the pipeline needs, with its partition count (which bounds consumer parallelism). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  /** Topic-level configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet and waits until their leaders are elected. Existing
 * topics are left as they are; one with fewer partitions than asked is reported, not changed,
 * because adding partitions moves keys to other partitions.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor ?? 1,
        configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const warnings: string[] = [];
  const present = specs.filter((spec) => existing.has(spec.topic));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
    for (const spec of present) {
      const found = metadata.topics.find((t) => t.name === spec.topic);
      if (found !== undefined && found.partitions.length < spec.partitions) {
        warnings.push(
          `topic ${spec.topic} has ${found.partitions.length} partitions, fewer than the ${spec.partitions} configured`,
        );
      }
    }
  }
  return warnings;
}
