import type { Admin, Kafka } from 'kafkajs';
import { UndecodableError, ValbenchError } from '../../lib/errors.ts';
import { createKafka, type KafkaConnection } from '../../lib/kafka/client.ts';
import { createCodec, type RecordCodec } from '../../lib/kafka/codec.ts';
import { createConnectivity, type ConnectivityEvent } from '../../lib/kafka/connectivity.ts';
import { createSchemaRegistry, type RegistryConnection } from '../../lib/kafka/registry.ts';
import { scanTopic } from '../../lib/kafka/scan.ts';
import type { JudgeConfig, Judgment } from '../../lib/records/types.gen.ts';
import { silentLogger } from '../../lib/log.ts';
import { topicNames, type TopicNames } from '../../lib/topics.ts';
import { computeMetrics, type Metrics, type ScoredJudgment } from './metrics.ts';
import { adjustedScoreOf } from './judge-agreement.ts';
import { scored } from './state.ts';

/** What one judge made of one run, as the judgments topic holds it now. */
export interface RunJudge {
  judgeId: string;
  judge: JudgeConfig;
  /** Pairs this judge has judged (valid or not). */
  judged: Set<string>;
  metrics: Metrics;
  /** The refusal-adjusted score of each pair judged validly (to compare judges). */
  scores: Map<string, number>;
}

/** A run as the topics hold it now: its pairs, its dead-lettered pairs, each judge's metrics. */
export interface RunSnapshot {
  runId: string;
  /** Pair ids on the prompts topic. */
  pairs: Set<string>;
  /** Pair ids with a record on the dead-letter topic (a failed model call, judge call, ...). */
  deadLettered: Set<string>;
  /** Per judge id, sorted by judge id. */
  judges: Map<string, RunJudge>;
  /** Judgment records of the run that could not be decoded (left out of the metrics). */
  undecodable: number;
}

/** Reads runs from the pipeline's topics without creating a topic or registering a schema. */
export interface RunReader {
  names: TopicNames;
  read(runId: string, options?: { judgeId?: string; timeoutMs?: number }): Promise<RunSnapshot>;
  close(): Promise<void>;
}

const pairOf = (key: string): string => key.split('/')[1] ?? '';

export async function openRunReader(
  connection: { kafka: KafkaConnection; registry: RegistryConnection },
  topicPrefix: string,
  onConnectivity: (event: ConnectivityEvent) => void,
): Promise<RunReader> {
  const connectivity = createConnectivity(connection.kafka.brokers, onConnectivity);
  const kafka = createKafka(connection.kafka, silentLogger(), connectivity);
  const names = topicNames(topicPrefix);
  const codec = createCodec(createSchemaRegistry(connection.registry), 'judgment', names.judgments);
  const admin = kafka.admin();
  await admin.connect();
  return {
    names,
    read: (runId, options = {}) => readRun({ kafka, admin, names, codec }, runId, options),
    close: () => admin.disconnect(),
  };
}

/** The judgment, or null when its bytes can never decode (a registry failure still throws). */
async function decodeOrNull(
  codec: RecordCodec<'judgment'>,
  bytes: Buffer | null,
): Promise<Judgment | null> {
  try {
    return await codec.decode(bytes);
  } catch (error) {
    if (error instanceof UndecodableError) return null;
    throw error;
  }
}

async function readRun(
  io: { kafka: Kafka; admin: Admin; names: TopicNames; codec: RecordCodec<'judgment'> },
  runId: string,
  options: { judgeId?: string; timeoutMs?: number },
): Promise<RunSnapshot> {
  const { kafka, names } = io;
  const topics = new Set(await io.admin.listTopics());
  if (!topics.has(names.prompts))
    throw new ValbenchError(
      'fatal',
      'TOPIC_MISSING',
      `topic ${names.prompts} does not exist: no run was published with --topic-prefix ${names.prefix}`,
    );
  const prefix = `${runId}/`;
  const scanOptions = {
    select: (key: string) => key.startsWith(prefix),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const pairs = new Set<string>();
  const deadLettered = new Set<string>();
  // Later records of a key replace earlier ones (a key always lands on the same partition).
  const latest = new Map<string, { judge: JudgeConfig; byPair: Map<string, ScoredJudgment> }>();
  let undecodable = 0;
  const scan = (topic: string, visit: Parameters<typeof scanTopic>[2], scanWith = scanOptions) =>
    topics.has(topic) ? scanTopic(kafka, topic, visit, scanWith) : Promise.resolve(0);
  const judgeSuffix = options.judgeId === undefined ? null : `/${options.judgeId}`;
  await Promise.all([
    scan(names.prompts, (m) => {
      pairs.add(pairOf(m.key.toString()));
    }),
    scan(names.deadLetters, (m) => {
      deadLettered.add(pairOf(m.key.toString()));
    }),
    scan(
      names.judgments,
      async (m) => {
        const j = await decodeOrNull(io.codec, m.value);
        if (j === null) undecodable += 1;
        if (j === null || j.runId !== runId) return;
        let entry = latest.get(j.judgeId);
        if (entry === undefined) {
          entry = { judge: j.judge, byPair: new Map() };
          latest.set(j.judgeId, entry);
        }
        entry.judge = j.judge;
        entry.byPair.set(j.pairId, scored(j));
      },
      {
        ...scanOptions,
        select: (key) =>
          key.startsWith(prefix) && (judgeSuffix === null || key.endsWith(judgeSuffix)),
      },
    ),
  ]);
  const judges = new Map<string, RunJudge>();
  for (const judgeId of [...latest.keys()].sort()) {
    const entry = latest.get(judgeId);
    if (entry === undefined) continue;
    judges.set(judgeId, {
      judgeId,
      judge: entry.judge,
      judged: new Set(entry.byPair.keys()),
      metrics: computeMetrics(entry.byPair.values()),
      scores: new Map(
        [...entry.byPair].flatMap(([pair, j]) => {
          const score = adjustedScoreOf(j);
          return score === null ? [] : [[pair, score] as const];
        }),
      ),
    });
  }
  return { runId, pairs, deadLettered, judges, undecodable };
}
