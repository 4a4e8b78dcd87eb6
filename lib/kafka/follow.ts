import type { Kafka, KafkaMessage } from 'kafkajs';
import { ValbenchError, isValbenchError, messageOf } from '../errors.ts';
import { within } from '../within.ts';

/** A reader of a whole topic that never commits (state rebuilt from the topic on every start). */
export interface TopicFollower {
  stop(): Promise<void>;
  /** Whether it is in its group and reading (for /healthz). */
  consuming(): boolean;
}

export interface FollowOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Called for each record in order per partition; a throw is kafkajs's to retry. */
  onMessage: (message: KafkaMessage, partition: number) => Promise<void>;
  /** A crash kafkajs does not restart from: the reader is gone and its owner must stop. */
  onFatal: (error: ValbenchError) => void;
  /**
   * A record `onMessage` rejected as poison (undecodable): skipped, told here. Rethrown, it would
   * be read again from the start of the topic after every restart of the consumer, for good.
   */
  onSkipped?: (error: ValbenchError, partition: number, offset: string) => void;
}

/**
 * Reads a topic from the beginning and then follows it, never committing: the readers that
 * rebuild state from a topic (the aggregator, `valbench run`'s dead-letter watch) share this one
 * consumer setup. Each record's work is microseconds, so a short session is safe: a restarted
 * reader takes over from a killed one after 10 s, not 30.
 */
export async function followTopic(options: FollowOptions): Promise<TopicFollower> {
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: 250,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.REBALANCING, () => {
    joined = false;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    if (payload.restart) return;
    options.onFatal(
      new ValbenchError(
        'fatal',
        'CONSUMER_CRASHED',
        `the reader of ${options.topic} stopped: ${messageOf(payload.error)}`,
      ),
    );
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      try {
        await options.onMessage(message, partition);
      } catch (error) {
        if (!isValbenchError(error) || error.kind !== 'poison') throw error;
        options.onSkipped?.(error, partition, message.offset);
      }
    },
  });
  return {
    async stop() {
      await within(consumer.disconnect(), 5_000);
    },
    consuming: () => joined,
  };
}
