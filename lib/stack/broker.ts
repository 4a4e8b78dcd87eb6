import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ValbenchError, messageOf } from '../errors.ts';
import { createKafka } from '../kafka/client.ts';
import { silentLogger } from '../log.ts';
import type { Artifacts } from './artifacts.ts';
import { stackEndpoints, type StackOptions } from './options.ts';
import type { StackPart } from './part.ts';
import { stackJvmFlags, startDetached } from './processes.ts';
import type { Java } from './tools.ts';

const execFileAsync = promisify(execFile);

/** True when the broker answers a metadata request. One try: the caller decides when to ask again. */
export async function kafkaAnswers(brokers: string): Promise<boolean> {
  const kafka = createKafka(
    {
      brokers: [brokers],
      clientId: 'valbench-probe',
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      // The client's own retries made a probe of a stopped broker take 11 s (measured here).
      retries: 0,
    },
    silentLogger(),
  );
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function brokerProperties(options: StackOptions, dataDir: string): string {
  const { kafkaPort, controllerPort } = options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'group.initial.rebalance.delay.ms=0',
    // The broker default for topics created without a retention of their own; the pipeline's
    // topics set unlimited retention themselves (lib/topics.ts).
    'log.retention.hours=168',
    '',
  ].join('\n');
}

const log4jProperties = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.org.apache.kafka.controller=WARN',
  'log4j.logger.state.change.logger=WARN',
  '',
].join('\n');

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding, as Kafka's Uuid prints it, and
 * like Kafka's own random ids never starting with a dash: the storage tool would read `-t -x…`
 * as a missing id and another option (1 start in 64 failed so).
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The single-node KRaft broker. Its storage (`kafka-data/`) is formatted once, when it has no
 * meta.properties; every later start runs on the same data and keeps the cluster id that the
 * format wrote there.
 */
export function createBroker(options: StackOptions): StackPart {
  const dataDir = join(options.stateDir, 'kafka-data');
  const propsFile = join(options.stateDir, 'server.properties');
  const log4jFile = join(options.stateDir, 'log4j.properties');
  const jvmLog = `-Dlog4j.configuration=file:${log4jFile}`;
  const proc = {
    name: 'kafka',
    pidFile: join(options.stateDir, 'kafka.pid'),
    logFile: join(options.stateDir, 'kafka.log'),
    marker: 'kafka.Kafka',
  };
  const hasData = (): boolean => existsSync(join(dataDir, 'meta.properties'));

  async function formatIfNew(java: Java, classpath: string): Promise<void> {
    if (hasData()) return;
    // --ignore-formatted: storage formatted meanwhile is kept as it is, never formatted again.
    const args = ['format', '-t', clusterId(), '-c', propsFile, '--ignore-formatted'];
    try {
      await execFileAsync(java.command, [
        jvmLog,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        ...args,
      ]);
    } catch (error) {
      throw new ValbenchError(
        'fatal',
        'STACK_START_FAILED',
        `formatting Kafka storage in ${dataDir} failed: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  return {
    name: 'kafka',
    process: proc,
    ports: [
      { port: options.kafkaPort, variable: 'VALBENCH_KAFKA_PORT' },
      { port: options.controllerPort, variable: 'VALBENCH_KAFKA_CONTROLLER_PORT' },
    ],
    ownedPaths: [dataDir, propsFile, log4jFile, proc.pidFile, proc.logFile],
    hasData,
    answers: () => kafkaAnswers(stackEndpoints(options).kafkaBrokers),
    async start(java: Java, artifacts: Artifacts) {
      writeFileSync(propsFile, brokerProperties(options, dataDir));
      writeFileSync(log4jFile, log4jProperties);
      const classpath = join(artifacts.kafkaLibs, '*');
      await formatIfNew(java, classpath);
      startDetached(
        proc,
        java.command,
        [
          '-Xms256m',
          '-Xmx1g',
          '-XX:+UseG1GC',
          ...stackJvmFlags,
          '-Djava.awt.headless=true',
          jvmLog,
          '-cp',
          classpath,
          'kafka.Kafka',
          propsFile,
        ],
        options.stateDir,
      );
    },
  };
}
