/**
 * The committer (lib/kafka/committer.ts) with a real kafkajs consumer on the real broker, at the
 * moments kafkajs does not commit although it is asked to: while its fetch loop is not running
 * (a crashed consumer stopping or restarting; here, a consumer starting) it resolves
 * commitOffsets without sending anything, and once it has stopped it refuses the commit. The
 * stage may still count itself in the group then (it hears of a crash only after kafkajs has
 * stopped), so `inGroup` answers true throughout. Either way the commit must be sent once the
 * consumer runs again, and its pool slots freed only then: a commit taken as done would never be
 * sent again when its partition has nothing more to finish (the group would never drain).
 */
import type { Consumer } from 'kafkajs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommitter, type Committer } from '../../../../lib/kafka/committer.ts';
import { createConnectivity } from '../../../../lib/kafka/connectivity.ts';
import { createPartitionOffsets } from '../../../../lib/kafka/offsets.ts';
import { silentLogger } from '../../../../lib/log.ts';
import type { ValbenchError } from '../../../../lib/errors.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await cluster.close();
});

/** A one-partition topic, a consumer of it (connected, subscribed, not run) and its group. */
async function consumerOfNewTopic(): Promise<{
  topic: string;
  groupId: string;
  consumer: Consumer;
}> {
  const topic = cluster.unique('committer');
  await cluster.admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const groupId = cluster.unique('committer-group');
  const consumer = cluster.kafka.consumer({ groupId, sessionTimeout: 6_000 });
  await consumer.connect();
  await consumer.subscribe({ topic });
  cleanups.push(() => consumer.disconnect());
  return { topic, groupId, consumer };
}

/** A committer of partition 0, where offsets 0 to 4 are finished and hold 5 pool slots. */
function committerOf(
  consumer: Consumer,
  topic: string,
): { committer: Committer; released: () => number; fatal: () => ValbenchError | undefined } {
  const tracker = createPartitionOffsets();
  let released = 0;
  const awaitingCommit: (() => void)[] = [];
  for (let offset = 0n; offset < 5n; offset += 1n) {
    tracker.begin(offset);
    tracker.finish(offset);
    awaitingCommit.push(() => {
      released += 1;
    });
  }
  const partition = { tracker, abort: new AbortController(), awaitingCommit, committed: undefined };
  let fatal: ValbenchError | undefined;
  const committer = createCommitter({
    consumer,
    topic,
    brokers: [cluster.brokers],
    partitions: new Map([[0, partition]]),
    connectivity: createConnectivity([cluster.brokers], () => undefined),
    log: silentLogger(),
    deadlineMs: 60_000,
    inGroup: () => true,
    onFatal: (error) => {
      fatal = error;
    },
  });
  cleanups.push(() => {
    committer.close();
    return Promise.resolve();
  });
  return { committer, released: () => released, fatal: () => fatal };
}

async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
  const [fetched] = await cluster.admin.fetchOffsets({ groupId, topics: [topic] });
  return fetched?.partitions.find((p) => p.partition === 0)?.offset;
}

const run = (consumer: Consumer): Promise<void> =>
  consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });

describe('the committer when kafkajs does not commit', () => {
  it('sends again a commit kafkajs resolved without sending, and frees its slots only then', async () => {
    const { topic, groupId, consumer } = await consumerOfNewTopic();
    const { committer, released, fatal } = committerOf(consumer, topic);
    // run() creates kafkajs's fetch loop stopped, and starts it once the group is joined: the
    // commit asked for in between is resolved by kafkajs without a request to the broker.
    const started = run(consumer);
    committer.schedule();
    await started;
    await waitFor(
      async () => (await committedOffset(groupId, topic)) === '5',
      'offset 5 committed once the consumer runs',
      15_000,
    );
    await waitFor(() => released() === 5, 'the 5 slots freed after the commit');
    expect(fatal()).toBeUndefined();
  });

  it('waits, instead of failing, while kafkajs has stopped the consumer', async () => {
    const { topic, groupId, consumer } = await consumerOfNewTopic();
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joins += 1;
    });
    await run(consumer);
    await waitFor(() => joins === 1, 'the consumer joined its group');
    const { committer, released, fatal } = committerOf(consumer, topic);
    // What kafkajs does to a crashed consumer before it emits CRASH and starts it again.
    await consumer.stop();
    committer.schedule();
    await nextTurn();
    expect(fatal()).toBeUndefined();
    expect(released()).toBe(0);
    await run(consumer);
    await waitFor(
      async () => (await committedOffset(groupId, topic)) === '5',
      'offset 5 committed once the consumer runs again',
      15_000,
    );
    await waitFor(() => released() === 5, 'the 5 slots freed after the commit');
    expect(fatal()).toBeUndefined();
  });
});
