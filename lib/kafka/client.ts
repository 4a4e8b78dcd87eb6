import {
  Kafka,
  logLevel,
  Partitioners,
  type KafkaConfig as KafkajsConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from '../log.ts';
import type { Connectivity } from './connectivity.ts';

/** How to reach a Kafka cluster. SASL and TLS are for real clusters; the local stack needs neither. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** TLS: true for the system CAs, or explicit PEM material. */
  tls?: boolean | { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of a failed connection or request, with backoff (kafkajs default: 5). */
  retries?: number;
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Creates a kafkajs client whose own log lines go through our logger (SASL secrets never
 * logged). With a connectivity monitor, kafkajs's error chatter (a line per failed request and
 * retry while a broker is down) is logged at debug and fed to the monitor, which tells a person
 * once that the broker is unreachable and once that it is back.
 */
export function createKafka(
  connection: KafkaConnection,
  logger: Logger,
  connectivity?: Connectivity,
): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const config: KafkajsConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: connection.connectionTimeoutMs ?? 5_000,
    requestTimeout: connection.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (connectivity === undefined) {
          log[levelNames[level] ?? 'info'](rest, message);
          return;
        }
        if (level === logLevel.ERROR) connectivity.failed(message);
        log.debug({ ...rest, kafkajsLevel: levelNames[level] }, message);
      },
  };
  if (connection.retries !== undefined) config.retry = { retries: connection.retries };
  if (connection.tls !== undefined) config.ssl = connection.tls;
  if (connection.sasl !== undefined) config.sasl = saslOptions(connection.sasl);
  return new Kafka(config);
}

/**
 * A producer with the Java client's murmur2 partitioner (keys land on the partitions a Java or
 * librdkafka producer would choose) and no topic auto-creation: topics come from ensureTopics.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions {
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}
