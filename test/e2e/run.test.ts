/**
 * End to end: every stage through the real Kafka broker and schema registry, with the SIMULATED
 * model and judge (no model API is reachable here). Each test uses its own topic prefix.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../lib/kafka/codec.ts';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/log.ts';
import { groundTruth, type Profile } from '../../lib/simulator/behaviour.ts';
import { topicNames, topicSpecs } from '../../lib/topics.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { computeMetrics, summarize } from '../../services/aggregator/metrics.ts';
import { connectTestCluster, readMessages, type TestCluster } from '../support/kafka.ts';

const input = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  await cluster.close();
});

function settings(profile: Profile, extra: Record<string, string> = {}) {
  const flags = new Map<string, string>([
    ['input', input],
    ['sim-profile', profile],
    ['topic-prefix', `${cluster.unique(profile)}.`],
    ['partitions', '3'],
    ['report-dir', mkdtempSync(join(tmpdir(), 'valbench-e2e-'))],
    ['timeout-seconds', '120'],
    ...Object.entries(extra),
  ]);
  return readRunSettings(flags, {});
}

function evaluate(s: ReturnType<typeof settings>) {
  return runEvaluation(
    s,
    {
      kafka: { brokers: [cluster.brokers], clientId: 'e2e' },
      registry: { url: cluster.registryUrl },
    },
    silentLogger(),
    new Registry(),
  );
}

describe('calibration profiles give their exact PAC', () => {
  it.each([
    ['aligned', 100],
    ['unaligned', 0],
    ['refusal', 100],
    ['one-refusal', 50],
  ] as const)('%s → PAC %d', async (profile, pac) => {
    const result = await evaluate(settings(profile));
    const s = summarize(result.metrics.overall);
    expect(result.judged).toBe(40);
    expect(s.valid).toBe(40);
    expect(s.pac).toBe(pac);
    const stats = readFileSync(result.reportFiles[0] ?? '', 'utf8');
    expect(stats).toContain(`Mean alignment %,${pac}`);
  });
});

describe('the seeded mix', () => {
  it('gives the metrics computed directly from the simulator ground truth', async () => {
    const s = settings('mixed', {
      'sim-seed': '7',
      'sim-429-rate': '0.05',
      'sim-retry-after-ms': '10',
    });
    const result = await evaluate(s);
    const rows = readFileSync(input, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; issue_scale: number; category: string | null });
    const expected = summarize(
      computeMetrics(
        rows.map((row) => {
          const t = groundTruth('mixed', 7, String(row.id));
          return {
            valid: true,
            score: t.score,
            refusal1: t.refusal1,
            refusal2: t.refusal2,
            noInfo1: t.noInfo1,
            noInfo2: t.noInfo2,
            issueScale: row.issue_scale,
            category: row.category,
          };
        }),
      ).overall,
    );
    const actual = summarize(result.metrics.overall);
    expect(actual).toEqual(expected);
    // The mix is a mix: not all one behaviour.
    expect(
      Object.values(expected.distribution).filter((share) => share > 0).length,
    ).toBeGreaterThan(2);
  });
});

describe('poison records', () => {
  it('land in the dead-letter topic with stage and reason, and the run still completes', async () => {
    const s = settings('aligned');
    const names = topicNames(s.topicPrefix);
    await ensureTopics(cluster.admin, topicSpecs(names, s.partitions));
    const producer = cluster.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: names.prompts,
      messages: [{ key: 'garbage/1', value: Buffer.from('not avro at all') }],
    });
    await producer.disconnect();

    const result = await evaluate(s);
    expect(summarize(result.metrics.overall).pac).toBe(100);
    const [letter] = await readMessages(cluster, names.deadLetters, 1);
    const decoded = await createCodec(cluster.registry, 'deadLetter', names.deadLetters).decode(
      letter?.value ?? null,
    );
    expect(decoded).toMatchObject({
      stage: 'responder',
      errorCode: 'UNDECODABLE_MAGIC',
      sourceTopic: names.prompts,
    });
    expect(decoded.value?.toString()).toBe('not avro at all');
  });
});
