import type { Kafka } from 'kafkajs';
import { ValbenchError, isValbenchError, messageOf } from '../../lib/errors.ts';
import { within } from '../../lib/within.ts';
import type { RecordCodec } from '../../lib/kafka/codec.ts';
import type { Logger } from '../../lib/log.ts';
import type { AggregatorState } from './state.ts';

export interface AggregatorConsumer {
  stop(): Promise<void>;
  /** Whether the consumer is in its group and reading (for /healthz). */
  consuming(): boolean;
}

/**
 * Feeds the judgments topic into the state. It never commits: on every start it reads the topic
 * from the beginning, so its state is rebuilt after a restart, and the state's key set keeps
 * every judgment counted once however often it is read.
 */
export async function startAggregatorConsumer(options: {
  kafka: Kafka;
  groupId: string;
  topic: string;
  codec: RecordCodec<'judgment'>;
  state: AggregatorState;
  logger: Logger;
  onUndecodable?: (error: Error) => void;
  /** A crash kafkajs does not restart from: the aggregator must stop (exit 1). */
  onFatal: (error: ValbenchError) => void;
}): Promise<AggregatorConsumer> {
  // Its work per record is a few microseconds, so a short session is safe; it lets a restarted
  // aggregator take the partitions of the one it replaces (a killed process) after 10 s, not 30.
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
        `the aggregator consumer of ${options.topic} stopped: ${messageOf(payload.error)}`,
      ),
    );
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      try {
        options.state.apply(await options.codec.decode(message.value));
      } catch (error) {
        if (!isValbenchError(error) || error.kind !== 'poison') throw error;
        options.logger.warn(
          { partition, offset: message.offset, code: error.code },
          'undecodable judgment skipped by the aggregator',
        );
        options.onUndecodable?.(error);
      }
    },
  });
  // Every start replays from the beginning: seek each assigned partition to its start.
  return {
    async stop() {
      await within(consumer.disconnect(), 5_000);
    },
    consuming: () => joined,
  };
}
