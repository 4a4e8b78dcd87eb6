import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchingSender } from '../../../../lib/kafka/batching-sender.ts';
import { createProducer } from '../../../../lib/kafka/client.ts';
import { ensureTopics } from '../../../../lib/kafka/topics.ts';
import { connectTestCluster, readMessages, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await connectTestCluster();
});

afterAll(async () => {
  await cluster.close();
});

/** A connected producer and the produce requests it sends, counted from `countFromHere()`. */
async function countingProducer() {
  const producer = createProducer(cluster.kafka);
  await producer.connect();
  let count = 0;
  producer.on(producer.events.REQUEST, ({ payload }) => {
    if (payload.apiName === 'Produce') count += 1;
  });
  return {
    producer,
    produceRequests: () => count,
    countFromHere: () => {
      count = 0;
    },
  };
}

describe('the batching sender on a real broker', () => {
  it('sends what is sent in one turn as one produce request, and each record arrives', async () => {
    const outputs = cluster.unique('batch-out');
    const letters = cluster.unique('batch-dlq');
    await ensureTopics(cluster.admin, [
      { topic: outputs, partitions: 3 },
      { topic: letters, partitions: 1 },
    ]);
    const { producer, produceRequests, countFromHere } = await countingProducer();
    try {
      const sender = createBatchingSender(producer);
      // A first send learns the new topics' leaders (kafkajs may retry it); then count.
      await sender.send({ topic: outputs, acks: -1, messages: [{ key: 'warm', value: 'w' }] });
      await sender.send({ topic: letters, acks: -1, messages: [{ key: 'warm', value: 'w' }] });
      countFromHere();
      await Promise.all([
        ...Array.from({ length: 30 }, (_, i) =>
          sender.send({ topic: outputs, acks: -1, messages: [{ key: `r/${i}`, value: `a${i}` }] }),
        ),
        sender.send({ topic: letters, acks: -1, messages: [{ key: 'r/x', value: 'dead' }] }),
      ]);
      // One broker: the 31 sends of one turn are one request (kafkajs would make 31).
      expect(produceRequests()).toBe(1);
      const read = await readMessages(cluster, outputs, 31);
      expect(new Set(read.map((m) => m.key?.toString()))).toEqual(
        new Set(['warm', ...Array.from({ length: 30 }, (_, i) => `r/${i}`)]),
      );
      expect((await readMessages(cluster, letters, 2)).map((m) => m.value?.toString())).toEqual([
        'w',
        'dead',
      ]);
    } finally {
      await producer.disconnect();
    }
  });

  it('sends made a few event-loop turns apart (within the linger) share one request', async () => {
    const topic = cluster.unique('batch-linger');
    await ensureTopics(cluster.admin, [{ topic, partitions: 2 }]);
    const { producer, produceRequests, countFromHere } = await countingProducer();
    try {
      const sender = createBatchingSender(producer);
      await sender.send({ topic, acks: -1, messages: [{ key: 'warm', value: 'w' }] });
      countFromHere();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) {
        sends.push(sender.send({ topic, acks: -1, messages: [{ key: `t/${i}`, value: `${i}` }] }));
        // The next turn of the event loop: without the linger, each turn made its own request.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(sends);
      expect(produceRequests()).toBe(1);
      expect((await readMessages(cluster, topic, 4)).length).toBe(4);
    } finally {
      await producer.disconnect();
    }
  });

  it('a record the broker refuses fails alone: the others of its batch are sent', async () => {
    const topic = cluster.unique('batch-refused');
    await ensureTopics(cluster.admin, [{ topic, partitions: 1 }]);
    const producer = createProducer(cluster.kafka);
    await producer.connect();
    try {
      const sender = createBatchingSender(producer);
      // Above the broker's default message.max.bytes (1 MiB).
      const tooLarge = 'x'.repeat(2 * 1024 * 1024);
      const outcomes = await Promise.allSettled([
        sender.send({ topic, acks: -1, messages: [{ key: 'ok/1', value: 'one' }] }),
        sender.send({ topic, acks: -1, messages: [{ key: 'big', value: tooLarge }] }),
        sender.send({ topic, acks: -1, messages: [{ key: 'ok/2', value: 'two' }] }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const read = await readMessages(cluster, topic, 2);
      expect(read.map((m) => m.key?.toString()).sort()).toEqual(['ok/1', 'ok/2']);
    } finally {
      await producer.disconnect();
    }
  });
});
