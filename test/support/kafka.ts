import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';
import { createKafka } from '../../lib/kafka/client.ts';
import { createSchemaRegistry, type SchemaRegistry } from '../../lib/kafka/registry.ts';
import { silentLogger } from '../../lib/log.ts';

/** The real broker and registry the global setup found (never a fake). */
export interface TestCluster {
  brokers: string;
  registryUrl: string;
  kafka: Kafka;
  admin: Admin;
  registry: SchemaRegistry;
  /** A topic or group name no other test uses. */
  unique(prefix: string): string;
  close(): Promise<void>;
}

/** The broker and registry the global setup found. */
export async function connectTestCluster(): Promise<TestCluster> {
  return connectCluster(inject('kafkaBrokers'), inject('schemaRegistryUrl'));
}

/** A broker and registry at these addresses, e.g. a private stack a test started itself. */
export async function connectCluster(brokers: string, registryUrl: string): Promise<TestCluster> {
  const kafka = createKafka({ brokers: [brokers], clientId: 'valbench-test' }, silentLogger());
  const admin = kafka.admin();
  await admin.connect();
  return {
    brokers,
    registryUrl,
    kafka,
    admin,
    registry: createSchemaRegistry({ url: registryUrl }),
    unique: (prefix) => `test.${prefix}.${randomUUID().slice(0, 8)}`,
    close: () => admin.disconnect(),
  };
}

/** Waits until the condition holds, polling; fails with the message after the timeout. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a topic from the beginning until `count` messages arrived. */
export async function readMessages(
  cluster: TestCluster,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer: Consumer = cluster.kafka.consumer({
    groupId: cluster.unique('reader'),
    maxWaitTimeInMs: 100,
  });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push(message);
        return Promise.resolve();
      },
    });
    await waitFor(() => messages.length >= count, `${count} messages on ${topic}`, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
