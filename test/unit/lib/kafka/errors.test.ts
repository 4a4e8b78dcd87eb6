import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyKafkaError, isRebalanceError } from '../../../../lib/kafka/errors.ts';

const protocol = (type: string, retriable: boolean): Error =>
  new KafkaJSProtocolError(
    Object.assign(new Error(`broker says ${type}`), { type, code: 1, retriable }),
  );
const brokers = ['127.0.0.1:9092'];

describe('classifyKafkaError', () => {
  it('trusts kafkajs: a connection error, also wrapped by the retrier, is retriable', () => {
    const connection = new KafkaJSConnectionError('Connection refused');
    expect(classifyKafkaError(connection, 'publishing', brokers).kind).toBe('retriable');
    const wrapped = new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 1 });
    const classified = classifyKafkaError(wrapped, 'publishing to t', brokers);
    expect(classified.kind).toBe('retriable');
    expect(classified.message).toContain('127.0.0.1:9092');
  });

  it('a record too large is poison (dead letter), not an endless retry', () => {
    for (const type of ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']) {
      expect(classifyKafkaError(protocol(type, false), 'publishing', brokers)).toMatchObject({
        kind: 'poison',
        code: 'KAFKA_RECORD_REJECTED',
      });
    }
  });

  it('authorization and unknown topics are fatal', () => {
    expect(
      classifyKafkaError(protocol('TOPIC_AUTHORIZATION_FAILED', false), 'x', brokers),
    ).toMatchObject({
      kind: 'fatal',
      code: 'KAFKA_UNAUTHORIZED',
    });
    expect(
      classifyKafkaError(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), 'x', brokers),
    ).toMatchObject({
      kind: 'fatal',
      code: 'KAFKA_UNKNOWN_TOPIC',
    });
  });

  it('any other non-retriable kafkajs error is fatal; a retriable protocol error is retriable', () => {
    expect(classifyKafkaError(new KafkaJSNonRetriableError('odd'), 'x', brokers).kind).toBe(
      'fatal',
    );
    expect(classifyKafkaError(protocol('NOT_LEADER_FOR_PARTITION', true), 'x', brokers).kind).toBe(
      'retriable',
    );
  });

  it('tells rebalance answers apart for the committer', () => {
    expect(isRebalanceError(protocol('REBALANCE_IN_PROGRESS', false))).toBe(true);
    expect(isRebalanceError(protocol('ILLEGAL_GENERATION', false))).toBe(true);
    expect(isRebalanceError(protocol('TOPIC_AUTHORIZATION_FAILED', false))).toBe(false);
    expect(isRebalanceError(new Error('REBALANCE_IN_PROGRESS'))).toBe(false);
  });
});
