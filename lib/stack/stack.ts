import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, messageOf } from '../errors.ts';
import { createKafka } from '../kafka/client.ts';
import { silentLogger } from '../log.ts';
import {
  artifactsCached,
  defaultVersions,
  resolveArtifacts,
  type StackVersions,
} from './artifacts.ts';
import {
  logTail,
  portIsFree,
  runningPid,
  startDetached,
  stopProcess,
  type ManagedProcess,
} from './processes.ts';
import { findJava, findMaven } from './tools.ts';

/** Where and how the local stack runs. Everything it writes is under `stateDir` and `cacheDir`. */
export interface StackOptions {
  stateDir: string;
  cacheDir: string;
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  versions: StackVersions;
  /** How long to wait for both parts to answer. */
  startTimeoutMs: number;
}

export interface StackEndpoints {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
}

export interface StackStatus extends StackEndpoints {
  kafka: { pid: number | undefined; answering: boolean };
  registry: { pid: number | undefined; answering: boolean };
}

export interface StackUpResult extends StackEndpoints {
  alreadyRunning: boolean;
  /** Whether the artifacts had to be fetched (a cold start). */
  downloaded: boolean;
  elapsedMs: number;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ValbenchError('fatal', 'CONFIG_INVALID', `${name}=${raw} is not a TCP port`);
  }
  return value;
}

/** Stack options from the environment (VALBENCH_STACK_DIR, VALBENCH_CACHE, *_PORT). */
export function stackOptionsFromEnv(env: NodeJS.ProcessEnv, projectRoot: string): StackOptions {
  const cacheRoot = env['VALBENCH_CACHE'] ?? join(homedir(), '.cache', 'valbench');
  return {
    stateDir: env['VALBENCH_STACK_DIR'] ?? join(projectRoot, '.stack'),
    cacheDir: join(cacheRoot, 'stack'),
    kafkaPort: port(env, 'VALBENCH_KAFKA_PORT', 9092),
    controllerPort: port(env, 'VALBENCH_KAFKA_CONTROLLER_PORT', 9093),
    registryPort: port(env, 'VALBENCH_REGISTRY_PORT', 8081),
    versions: defaultVersions,
    startTimeoutMs: 120_000,
  };
}

function endpoints(options: StackOptions): StackEndpoints {
  return {
    kafkaBrokers: `127.0.0.1:${options.kafkaPort}`,
    schemaRegistryUrl: `http://127.0.0.1:${options.registryPort}/apis/ccompat/v7`,
  };
}

function processes(options: StackOptions): { kafka: ManagedProcess; registry: ManagedProcess } {
  return {
    kafka: {
      name: 'kafka',
      pidFile: join(options.stateDir, 'kafka.pid'),
      logFile: join(options.stateDir, 'kafka.log'),
      marker: 'kafka.Kafka',
    },
    registry: {
      name: 'registry',
      pidFile: join(options.stateDir, 'registry.pid'),
      logFile: join(options.stateDir, 'registry.log'),
      marker: 'apicurio',
    },
  };
}

/** True when the broker answers a metadata request. */
export async function kafkaAnswers(brokers: string): Promise<boolean> {
  const kafka = createKafka(
    {
      brokers: [brokers],
      clientId: 'valbench-probe',
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
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

/** True when the registry answers a subjects call. */
export async function registryAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
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

/** A Kafka cluster id: 16 random bytes, base64url without padding, as Kafka's Uuid prints it. */
function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

async function ensurePortsFree(options: StackOptions): Promise<void> {
  const wanted: [string, number][] = [
    ['Kafka (VALBENCH_KAFKA_PORT)', options.kafkaPort],
    ['the Kafka controller (VALBENCH_KAFKA_CONTROLLER_PORT)', options.controllerPort],
    ['the schema registry (VALBENCH_REGISTRY_PORT)', options.registryPort],
  ];
  const taken: string[] = [];
  for (const [what, p] of wanted) {
    if (!(await portIsFree(p))) taken.push(`port ${p} for ${what} is taken by another process`);
  }
  if (taken.length > 0) {
    throw new ValbenchError(
      'fatal',
      'PORT_TAKEN',
      `${taken.join('; ')}. Stop it, choose other ports, or point KAFKA_BROKERS / SCHEMA_REGISTRY_URL at the running services.`,
    );
  }
}

async function waitUntil(
  what: string,
  proc: ManagedProcess,
  deadline: number,
  check: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (runningPid(proc) === undefined) {
      throw new ValbenchError(
        'fatal',
        'STACK_START_FAILED',
        `${what} exited while starting; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ValbenchError(
        'fatal',
        'STACK_START_TIMEOUT',
        `${what} did not answer in time; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Starts a single-node KRaft broker and an Apicurio registry (in-memory storage, global BACKWARD
 * compatibility) and waits until both answer. Idempotent: a running stack is found and reused.
 * The stack is ephemeral: the registry keeps schemas in memory, so each start formats fresh
 * broker storage, and records never outlive the schema ids they reference.
 */
export async function stackUp(options: StackOptions): Promise<StackUpResult> {
  const started = Date.now();
  const ends = endpoints(options);
  const procs = processes(options);
  // Both parts answering is a running stack, whether this folder's or another checkout's.
  if ((await kafkaAnswers(ends.kafkaBrokers)) && (await registryAnswers(ends.schemaRegistryUrl))) {
    return { ...ends, alreadyRunning: true, downloaded: false, elapsedMs: Date.now() - started };
  }
  // A half-running stack (one part died) is restarted whole, so broker data and schemas agree.
  await stackDown(options);

  const java = findJava(process.env, 17);
  await ensurePortsFree(options);
  const downloaded = !artifactsCached(options.cacheDir, options.versions);
  const artifacts = resolveArtifacts(options.cacheDir, options.versions, () =>
    findMaven(process.env),
  );

  mkdirSync(options.stateDir, { recursive: true });
  const dataDir = join(options.stateDir, 'kafka-data');
  rmSync(dataDir, { recursive: true, force: true });
  const propsFile = join(options.stateDir, 'server.properties');
  const log4jFile = join(options.stateDir, 'log4j.properties');
  writeFileSync(propsFile, brokerProperties(options, dataDir));
  writeFileSync(log4jFile, log4jProperties);
  const classpath = join(artifacts.kafkaLibs, '*');
  const jvmLog = `-Dlog4j.configuration=file:${log4jFile}`;
  try {
    execFileSync(
      java.command,
      [
        jvmLog,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        propsFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    throw new ValbenchError(
      'fatal',
      'STACK_START_FAILED',
      `formatting Kafka storage failed: ${messageOf(error)}`,
    );
  }
  startDetached(
    procs.kafka,
    java.command,
    [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      jvmLog,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    options.stateDir,
  );
  startDetached(
    procs.registry,
    java.command,
    [
      '-Xmx512m',
      `-Dquarkus.http.port=${options.registryPort}`,
      '-Dquarkus.http.host=127.0.0.1',
      '-Dapicurio.rules.global.compatibility=BACKWARD',
      '-Dquarkus.log.console.color=false',
      '-jar',
      artifacts.apicurioJar,
    ],
    artifacts.apicurioHome,
  );
  const deadline = Date.now() + options.startTimeoutMs;
  await Promise.all([
    waitUntil('Kafka', procs.kafka, deadline, () => kafkaAnswers(ends.kafkaBrokers)),
    waitUntil('the schema registry', procs.registry, deadline, () =>
      registryAnswers(ends.schemaRegistryUrl),
    ),
  ]);
  writeFileSync(
    join(options.stateDir, 'env'),
    `KAFKA_BROKERS=${ends.kafkaBrokers}\nSCHEMA_REGISTRY_URL=${ends.schemaRegistryUrl}\n`,
  );
  return { ...ends, alreadyRunning: false, downloaded, elapsedMs: Date.now() - started };
}

/** Stops both parts by PID and removes the broker data. Idempotent. */
export async function stackDown(options: StackOptions): Promise<{ stopped: string[] }> {
  const procs = processes(options);
  const stopped: string[] = [];
  if (await stopProcess(procs.registry, 15_000)) stopped.push('registry');
  if (await stopProcess(procs.kafka, 30_000)) stopped.push('kafka');
  rmSync(join(options.stateDir, 'kafka-data'), { recursive: true, force: true });
  rmSync(join(options.stateDir, 'env'), { force: true });
  return { stopped };
}

export async function stackStatus(options: StackOptions): Promise<StackStatus> {
  const ends = endpoints(options);
  const procs = processes(options);
  return {
    ...ends,
    kafka: { pid: runningPid(procs.kafka), answering: await kafkaAnswers(ends.kafkaBrokers) },
    registry: {
      pid: runningPid(procs.registry),
      answering: await registryAnswers(ends.schemaRegistryUrl),
    },
  };
}
