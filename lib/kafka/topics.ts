import { setTimeout as sleep } from 'node:timers/promises';
// The default import: Node does not detect ConfigResourceTypes as a named export of kafkajs (CJS).
import kafkajs, { type Admin } from 'kafkajs';
import { ValbenchError, messageOf } from '../errors.ts';
import { isKafkaError } from './errors.ts';

/** One topic the pipeline needs, with its partition count (which bounds consumer parallelism). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  /** Topic-level configs, e.g. `{ 'retention.ms': '-1' }`. */
  configs?: Readonly<Record<string, string>>;
}

/** What a config that differs from the spec does to the topic's records, where it matters. */
const consequences: Readonly<Record<string, string>> = {
  'retention.ms': 'its records will be deleted',
  'retention.bytes': 'its records will be deleted',
  'cleanup.policy': 'its records may be deleted or compacted away',
};

/**
 * One warning for every config of an existing topic that differs from its spec (`actual` holds
 * the values the cluster reports; a config it does not report differs too).
 */
export function configWarnings(
  topic: string,
  expected: Readonly<Record<string, string>>,
  actual: ReadonlyMap<string, string>,
): string[] {
  return Object.entries(expected).flatMap(([name, value]) => {
    const found = actual.get(name);
    if (found === value) return [];
    const consequence = consequences[name];
    const why = consequence === undefined ? '' : `: ${consequence}`;
    const has = found === undefined ? `no ${name}` : `${name}=${found}`;
    return [
      `topic ${topic} has ${has}, expected ${value}${why}; set it with kafka-configs or recreate the topic`,
    ];
  });
}

async function existingConfigWarnings(
  admin: Admin,
  specs: readonly TopicSpec[],
): Promise<string[]> {
  const checked = specs.filter((spec) => Object.keys(spec.configs ?? {}).length > 0);
  if (checked.length === 0) return [];
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: checked.map((spec) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name: spec.topic,
        configNames: Object.keys(spec.configs ?? {}),
      })),
    });
    return checked.flatMap((spec) => {
      const resource = resources.find((r) => r.resourceName === spec.topic);
      if (resource === undefined || resource.errorCode !== 0) {
        return [
          `could not read the configs of topic ${spec.topic}: ${resource?.errorMessage ?? 'not in the answer'}`,
        ];
      }
      const actual = new Map(resource.configEntries.map((e) => [e.configName, e.configValue]));
      return configWarnings(spec.topic, spec.configs ?? {}, actual);
    });
  } catch (error) {
    // A cluster may refuse DescribeConfigs (ACLs): the pipeline still runs, and says so.
    return [`could not read the configs of the existing topics: ${messageOf(error)}`];
  }
}

/** Polls the topics' metadata until every partition has a leader, for up to `timeoutMs`. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const ready = topics.every((topic) => {
        const found = metadata.topics.find((t) => t.name === topic);
        return (
          found !== undefined &&
          found.partitions.length > 0 &&
          found.partitions.every((p) => p.leader >= 0)
        );
      });
      if (ready) return;
    } catch (error) {
      // Right after creation a broker may answer "unknown topic" or "no leader" for a while:
      // any Kafka error is asked again until the deadline (kafkajs calls the first fatal).
      if (!isKafkaError(error) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new ValbenchError(
        'fatal',
        'TOPIC_NO_LEADER',
        `topics ${topics.join(', ')} have no leader ${timeoutMs / 1000} s after they were created`,
      );
    await sleep(250);
  }
}

/**
 * Creates the topics that do not exist yet and waits until their leaders are elected. Existing
 * topics are left as they are and checked against their specs: one with fewer partitions than
 * asked (adding partitions would move keys to other partitions) or with a config that differs
 * (e.g. a retention that deletes records) is reported in the returned warnings, never changed.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    // Leaders are waited for below: kafkajs's own wait gives up on "does not host this
    // topic-partition", which a broker that has just restarted answers for a new topic a while.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor ?? 1,
        configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  if (missing.length > 0)
    await waitForLeaders(
      admin,
      missing.map((spec) => spec.topic),
    );
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
    warnings.push(...(await existingConfigWarnings(admin, present)));
  }
  return warnings;
}
