import type { Kafka } from 'kafkajs';
import { createKafka, type KafkaConnection } from '../../lib/kafka/client.ts';
import { createCodec } from '../../lib/kafka/codec.ts';
import { createConnectivity, type ConnectivityEvent } from '../../lib/kafka/connectivity.ts';
import { createSchemaRegistry, type RegistryConnection } from '../../lib/kafka/registry.ts';
import { scanTopic } from '../../lib/kafka/scan.ts';
import { silentLogger } from '../../lib/log.ts';
import type { JudgeRequest } from '../../lib/records/types.gen.ts';
import { topicNames, type TopicNames } from '../../lib/topics.ts';
import { summarize } from '../aggregator/metrics.ts';
import { openRunReader } from '../aggregator/read-run.ts';
import {
  CALIBRATION_ORIGIN,
  calibrationSetOf,
  calibrationSets,
  calibrationVerdict,
  type CalibrationVerdict,
} from './calibration.ts';

/** A judge's latest calibration as the topics hold it now. */
export interface CalibrationStatus {
  judgeId: string;
  /** When the latest calibration was asked (null: never). */
  requestedAt: number | null;
  verdicts: CalibrationVerdict[];
  passed: boolean;
  /** Why the judge does not count as calibrated (null when it does). */
  reason: string | null;
}

type Connection = { kafka: KafkaConnection; registry: RegistryConnection };

/** The latest judge request of origin `calibrate` for this judge, or null. */
async function latestCalibrationRequest(
  kafka: Kafka,
  connection: Connection,
  names: TopicNames,
  judgeId: string,
): Promise<JudgeRequest | null> {
  const codec = createCodec(
    createSchemaRegistry(connection.registry),
    'judgeRequest',
    names.judgeRequests,
  );
  let latest: JudgeRequest | null = null;
  await scanTopic(kafka, names.judgeRequests, async (message) => {
    const request = await codec.decode(message.value);
    if (request.judgeId !== judgeId || request.origin !== CALIBRATION_ORIGIN) return;
    if (latest === null || request.requestedAt >= latest.requestedAt) latest = request;
  });
  return latest;
}

/** The dataset id each run records, read from the first of its prompts. */
async function datasetIdsOf(
  kafka: Kafka,
  connection: Connection,
  names: TopicNames,
  runIds: readonly string[],
): Promise<Map<string, string>> {
  const codec = createCodec(createSchemaRegistry(connection.registry), 'prompt', names.prompts);
  const runs = new Set(runIds);
  const found = new Map<string, string>();
  const runOf = (key: string): string => key.slice(0, key.indexOf('/'));
  await scanTopic(
    kafka,
    names.prompts,
    async (message) => {
      const prompt = await codec.decode(message.value);
      found.set(prompt.runId, prompt.run.dataset.datasetId);
    },
    { select: (key) => runs.has(runOf(key)) && !found.has(runOf(key)) },
  );
  return found;
}

const notCalibrated = (judgeId: string, reason: string, requestedAt: number | null = null) => ({
  judgeId,
  requestedAt,
  verdicts: [],
  passed: false,
  reason,
});

/**
 * Reads a judge's latest calibration back from the topics: the newest judge request of origin
 * `calibrate` by this judge id names the calibration runs; each run's dataset id names its set;
 * the judgments of the run by this judge give its PAC. Calibrated: each of the four sets judged
 * completely (every stored pair judged or dead-lettered) and within the tolerance. Nothing is
 * trusted but the judgments themselves, so the verdict survives restarts and holds on any
 * machine that reads the same cluster.
 */
export async function readCalibration(
  connection: Connection,
  topicPrefix: string,
  judgeId: string,
  tolerance: number,
  onConnectivity: (event: ConnectivityEvent) => void,
): Promise<CalibrationStatus> {
  const names = topicNames(topicPrefix);
  const connectivity = createConnectivity(connection.kafka.brokers, onConnectivity);
  const kafka = createKafka(connection.kafka, silentLogger(), connectivity);
  const admin = kafka.admin();
  await admin.connect();
  let topics: Set<string>;
  try {
    topics = new Set(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
  if (!topics.has(names.judgeRequests) || !topics.has(names.prompts))
    return notCalibrated(judgeId, `never calibrated (no topic ${names.judgeRequests})`);
  const request = await latestCalibrationRequest(kafka, connection, names, judgeId);
  if (request === null)
    return notCalibrated(
      judgeId,
      `never calibrated (no calibration of it on ${names.judgeRequests})`,
    );
  const datasets = await datasetIdsOf(kafka, connection, names, request.runIds);
  const reader = await openRunReader(connection, topicPrefix, onConnectivity);
  const verdicts: CalibrationVerdict[] = [];
  try {
    for (const runId of request.runIds) {
      const set = calibrationSetOf(datasets.get(runId) ?? '');
      if (set === null) continue;
      const snapshot = await reader.read(runId, { judgeId });
      const judged = snapshot.judges.get(judgeId);
      const complete = [...snapshot.pairs].every(
        (pair) => judged?.judged.has(pair) === true || snapshot.deadLettered.has(pair),
      );
      const tally = judged?.metrics.overall;
      const summary = tally === undefined || tally.valid === 0 ? null : summarize(tally);
      verdicts.push(calibrationVerdict(set, summary, complete, tolerance));
    }
  } finally {
    await reader.close();
  }
  verdicts.sort((a, b) => calibrationSets.indexOf(a.set) - calibrationSets.indexOf(b.set));
  const absent = calibrationSets.filter((set) => !verdicts.some((v) => v.set.name === set.name));
  const failed = verdicts.filter((v) => !v.passed);
  const reasons = [
    ...absent.map((set) => `${set.name}: not in the latest calibration`),
    ...failed.map((v) => `${v.set.name}: ${v.reason ?? 'failed'}`),
  ];
  return {
    judgeId,
    requestedAt: request.requestedAt,
    verdicts,
    passed: reasons.length === 0,
    reason:
      reasons.length === 0
        ? null
        : `its latest calibration (${new Date(request.requestedAt).toISOString()}) did not pass: ${reasons.join('; ')}`,
  };
}
