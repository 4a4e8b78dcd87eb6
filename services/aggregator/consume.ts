import type { Kafka } from 'kafkajs';
import { isValbenchError, type ValbenchError } from '../../lib/errors.ts';
import type { RecordCodec } from '../../lib/kafka/codec.ts';
import { followTopic, type TopicFollower } from '../../lib/kafka/follow.ts';
import type { Logger } from '../../lib/log.ts';
import type { AggregatorState } from './state.ts';

/**
 * Feeds the judgments topic into the state. It never commits: on every start it reads the topic
 * from the beginning, so its state is rebuilt after a restart, and the state's key set keeps
 * every judgment counted once however often it is read.
 */
export function startAggregatorConsumer(options: {
  kafka: Kafka;
  groupId: string;
  topic: string;
  codec: RecordCodec<'judgment'>;
  state: AggregatorState;
  logger: Logger;
  onUndecodable?: (error: Error) => void;
  /** A crash kafkajs does not restart from: the aggregator must stop (exit 1). */
  onFatal: (error: ValbenchError) => void;
}): Promise<TopicFollower> {
  return followTopic({
    kafka: options.kafka,
    groupId: options.groupId,
    topic: options.topic,
    onFatal: options.onFatal,
    onMessage: async (message, partition) => {
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
}
