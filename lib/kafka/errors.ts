import { ValbenchError, messageOf } from '../errors.ts';

/** Broker answers that mean this record can never be written: dead-letter it, with the reason. */
const recordRejected = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** Broker answers that no retry can fix: stop the process (exit 1) and say which. */
const unauthorized = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
]);

/** Timeouts that kafkajs marks non-retriable although a later try may well succeed. */
const transientNames = new Set([
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'KafkaJSNumberOfRetriesExceeded',
]);

interface KafkajsLike {
  name: string;
  message: string;
  retriable?: unknown;
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

function asKafkajs(error: unknown): KafkajsLike | undefined {
  if (!(error instanceof Error) || !error.name.startsWith('KafkaJS')) return undefined;
  return error;
}

/** The innermost KafkaJS error: NumberOfRetriesExceeded wraps the failure that was retried. */
function rootOf(error: KafkajsLike): KafkajsLike {
  let current = error;
  for (let depth = 0; depth < 10; depth += 1) {
    const inner = asKafkajs(current.cause ?? current.originalError);
    if (inner === undefined) return current;
    current = inner;
  }
  return current;
}

/** True for a KafkaJS error (by name): the one test the stage needs before classifying. */
export function isKafkaError(error: unknown): boolean {
  return asKafkajs(error) !== undefined;
}

/**
 * Maps a KafkaJS error to our error model, trusting its `retriable` flag: retriable (the broker
 * is unreachable, a leader moves, a request timed out: try again until the caller's deadline),
 * poison (the broker refuses this record: too large, invalid), or fatal (authorization, an
 * unknown topic after kafkajs's own retries, anything else it calls non-retriable). `doing` and
 * `brokers` name the operation and where, so a person reading the message knows what to fix.
 */
export function classifyKafkaError(
  error: unknown,
  doing: string,
  brokers: readonly string[],
): ValbenchError {
  const kafka = asKafkajs(error);
  const where = brokers.join(',');
  if (kafka === undefined) {
    return new ValbenchError('fatal', 'UNEXPECTED', `${doing}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const root = rootOf(kafka);
  const type = typeof root.type === 'string' ? root.type : '';
  const detail = `${doing} on ${where}: ${root.message}`;
  if (recordRejected.has(type))
    return new ValbenchError('poison', 'KAFKA_RECORD_REJECTED', detail, { cause: error });
  if (unauthorized.has(type) || root.name === 'KafkaJSSASLAuthenticationError')
    return new ValbenchError('fatal', 'KAFKA_UNAUTHORIZED', detail, { cause: error });
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION')
    return new ValbenchError('fatal', 'KAFKA_UNKNOWN_TOPIC', detail, { cause: error });
  if (root.retriable === true || kafka.retriable === true || transientNames.has(kafka.name))
    return new ValbenchError('retriable', 'KAFKA_UNAVAILABLE', detail, { cause: error });
  return new ValbenchError('fatal', 'KAFKA_ERROR', detail, { cause: error });
}

/** Group errors that mean "a rebalance is under way": a commit is retried after the rejoin. */
const rebalancing = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** True when a commit failed only because the group is rebalancing. */
export function isRebalanceError(error: unknown): boolean {
  const kafka = asKafkajs(error);
  if (kafka === undefined) return false;
  const type = rootOf(kafka).type;
  return typeof type === 'string' && rebalancing.has(type);
}
