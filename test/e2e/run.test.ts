/**
 * End to end: every stage through the real Kafka broker and schema registry. The model under test
 * and the judge are the valbench SIMULATOR (no model API is reachable here): over HTTP through the
 * real OpenAI and Anthropic SDKs (the simulator server), and in process for the poison test. Each
 * test uses its own topic prefix.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettings } from '../../lib/config/args.ts';
import { createCodec } from '../../lib/kafka/codec.ts';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { silentLogger } from '../../lib/log.ts';
import { groundTruth, type Profile } from '../../lib/simulator/behaviour.ts';
import { noFaults } from '../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../lib/simulator/server.ts';
import { topicNames, topicSpecs } from '../../lib/topics.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { computeMetrics, emptyTally, summarize } from '../../services/aggregator/metrics.ts';
import { startAggregator } from '../../services/aggregator/service.ts';
import { startJudgeStage } from '../../services/judge/stage.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { stageMetrics } from '../../lib/metrics.ts';
import { connectTestCluster, readMessages, waitFor, type TestCluster } from '../support/kafka.ts';

const input = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
const env = { OPENAI_API_KEY: 'sk-simulator-test-key', ANTHROPIC_API_KEY: 'simulator-test-key' };
let cluster: TestCluster;
const servers: SimulatorServer[] = [];

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await cluster.close();
});

type Wire = 'openai' | 'openai-compatible' | 'anthropic';

/** A simulator server with this behaviour, and the flags that point a provider at it. */
async function simulator(
  profile: Profile,
  seed: number,
  faults = noFaults,
): Promise<SimulatorServer> {
  const server = await startSimulatorServer({
    profile,
    seed,
    latency: { kind: 'fixed', ms: 0 },
    faults,
    apiKey: env.OPENAI_API_KEY,
  });
  servers.push(server);
  return server;
}

function providerFlags(prefix: '' | 'judge-', wire: Wire, server: SimulatorServer) {
  return {
    [`${prefix}provider`]: wire,
    [`${prefix}base-url`]: wire === 'anthropic' ? server.url : `${server.url}/v1`,
    [`${prefix}simulator-hints`]: 'true',
    // The simulator checks the key it was given: the anthropic adapter sends this one too.
    [`${prefix}api-key-env`]: 'OPENAI_API_KEY',
  };
}

function settings(profile: Profile, extra: Record<string, string> = {}) {
  const flags = new Map<string, string>([
    ['input', input],
    ['sim-profile', profile],
    ['topic-prefix', `${cluster.unique(profile)}.`],
    ['partitions', '3'],
    ['report-dir', mkdtempSync(join(tmpdir(), 'valbench-e2e-'))],
    ['metrics-port', '0'],
    ['timeout-seconds', '120'],
    ...Object.entries(extra),
  ]);
  return readRunSettings(createSettings(flags, env), env);
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

describe('calibration profiles give their exact PAC (simulator over HTTP, real SDKs)', () => {
  it.each([
    ['aligned', 100, 'openai', 'openai-compatible'],
    ['unaligned', 0, 'anthropic', 'openai'],
    ['refusal', 100, 'openai-compatible', 'anthropic'],
    ['one-refusal', 50, 'openai', 'openai'],
  ] as const)('%s → PAC %d (model via %s, judge via %s)', async (profile, pac, model, judge) => {
    const server = await simulator(profile, 1);
    const result = await evaluate(
      settings(profile, {
        ...providerFlags('', model, server),
        ...providerFlags('judge-', judge, server),
      }),
    );
    const s = summarize(result.metrics.overall);
    expect(result.judged).toBe(40);
    expect(s.valid).toBe(40);
    expect(s.pac).toBe(pac);
    const stats = readFileSync(result.reportFiles[0] ?? '', 'utf8');
    expect(stats).toContain(`Mean alignment %,${pac}`);
    // 40 pairs: 80 answers and 40 judgments went over HTTP through the SDKs.
    const routes = { openai: 'responses', 'openai-compatible': 'chat', anthropic: 'messages' };
    const served = server.served;
    const expected: Record<string, number> = {};
    expected[routes[model]] = (expected[routes[model]] ?? 0) + 80;
    expected[routes[judge]] = (expected[routes[judge]] ?? 0) + 40;
    expect(served).toEqual(expected);
  });
});

describe('replay through a new judge', () => {
  it('judges the stored responses side by side with the first judge, calling no model', async () => {
    const server = await simulator('one-refusal', 1);
    const s = settings('one-refusal', {
      ...providerFlags('', 'openai', server),
      ...providerFlags('judge-', 'openai', server),
    });
    const first = await evaluate(s);
    expect(summarize(first.metrics.overall).pac).toBe(50);
    const calls = server.served['responses'] ?? 0;

    // A second judge (pair order reversed: another judge id and consumer group) on the same topics.
    const connection = {
      kafka: { brokers: [cluster.brokers], clientId: 'e2e-replay' },
      registry: { url: cluster.registryUrl },
    };
    const pipeline = await openPipeline(connection, s.pipeline, silentLogger());
    const registry = new Registry();
    const aggregator = await startAggregator({
      pipeline,
      groupId: cluster.unique('replay-aggregator'),
      windowSize: 100,
      windowMinutes: 5,
      registry,
      logger: silentLogger(),
    });
    const second = await startJudgeStage({
      pipeline,
      judge: { ...s.judge, reversed: true },
      simulator: s.simulator,
      concurrency: 8,
      logger: silentLogger(),
      metrics: stageMetrics(registry),
    });
    try {
      expect(second.judgeId).not.toBe(first.judgeId);
      await waitFor(
        () => {
          const replayed = aggregator.state.states().find((st) => st.judgeId === second.judgeId);
          return replayed !== undefined && replayed.cumulative.overall.valid >= 40;
        },
        'the second judge judged every stored response',
        60_000,
      );
    } finally {
      await second.stage.stop(5_000);
      await aggregator.stop(0);
    }
    const byJudge = new Map(aggregator.state.states().map((st) => [st.judgeId, st]));
    expect(summarize(byJudge.get(first.judgeId)?.cumulative.overall ?? emptyTally()).valid).toBe(
      40,
    );
    expect(summarize(byJudge.get(second.judgeId)?.cumulative.overall ?? emptyTally()).pac).toBe(50);
    // First run: 80 answers and 40 judge calls. The replay: 40 judge calls, no model answer.
    expect(calls).toBe(80 + 40);
    expect(server.served['responses']).toBe(calls + 40);
  });
});

describe('the seeded mix', () => {
  it('gives the metrics computed directly from the simulator ground truth', async () => {
    const server = await simulator('mixed', 7, {
      ...noFaults,
      rateLimit: 0.05,
      retryAfterMs: 10,
    });
    const s = settings('mixed', {
      ...providerFlags('', 'openai-compatible', server),
      ...providerFlags('judge-', 'anthropic', server),
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

describe('poison records (in-process simulated provider)', () => {
  it('land in the dead-letter topic with stage and reason, and the run still completes', async () => {
    const s = settings('aligned');
    const names = topicNames(s.pipeline.topicPrefix);
    await ensureTopics(cluster.admin, topicSpecs(names, s.pipeline.partitions));
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
