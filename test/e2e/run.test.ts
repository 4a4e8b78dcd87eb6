/**
 * End to end: every stage through the real Kafka broker and schema registry. The model under test
 * and the judge are the valbench SIMULATOR (no model API is reachable here): over HTTP through the
 * real OpenAI and Anthropic SDKs (the simulator server), and in process for the poison test. Each
 * test uses its own topic prefix.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
import { runReplay } from '../../cli/replay.ts';
import { parsePriceTable } from '../../lib/cost/prices.ts';
import {
  readJudge,
  readPipeline,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { connectTestCluster, readMessages, type TestCluster } from '../support/kafka.ts';

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
    // The report's charts and page, beside the tables.
    const dir = dirname(result.reportFiles[0] ?? '');
    for (const chart of ['score_distribution.png', 'category_metrics.png'])
      expect(readFileSync(join(dir, chart)).toString('latin1', 1, 4), chart).toBe('PNG');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(
      `PAC <strong>${pac.toFixed(2)} %</strong>`,
    );
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
  it('judges the stored responses of the one run named out of three, calling no model', async () => {
    const server = await simulator('one-refusal', 1);
    const prefix = `${cluster.unique('replay')}.`;
    const base = {
      ...providerFlags('', 'openai', server),
      ...providerFlags('judge-', 'openai', server),
      'topic-prefix': prefix,
    };
    const runs = [];
    for (const deployment of ['v1', 'v2', 'v3'])
      runs.push(await evaluate(settings('one-refusal', { ...base, deployment })));
    expect(new Set(runs.map((r) => r.runId)).size).toBe(3);
    const answersBefore = server.served['responses'] ?? 0;
    // Three runs of 40 pairs: 80 answers and 40 judgments each.
    expect(answersBefore).toBe(3 * (80 + 40));
    const target = runs[1];
    if (target === undefined) throw new Error('no second run');

    // A second judge (pair order reversed: another judge id) over the second run only.
    const judgeFlags = new Map<string, string>([
      ...Object.entries(providerFlags('judge-', 'openai', server)),
      ['reverse', 'true'],
      ['sim-profile', 'one-refusal'],
      ['topic-prefix', prefix],
      ['partitions', '3'],
    ]);
    const replaySettings = createSettings(judgeFlags, env);
    const replay = (clientId: string) =>
      runReplay(
        {
          runIds: [target.runId],
          judge: readJudge(replaySettings, env),
          simulator: readSimulator(replaySettings),
          concurrency: 8,
          pipeline: readPipeline(replaySettings),
          reportDir: mkdtempSync(join(tmpdir(), 'valbench-e2e-replay-')),
          listen: null,
          timeoutSeconds: 120,
          runtime: readStageRuntime(replaySettings),
          detach: false,
          // The judge's calls priced from a table of the test's own.
          prices: parsePriceTable(
            {
              models: {
                'simulated-judge': { input: 1, output: 4, source: 'test', asOf: '2026-01-01' },
              },
            },
            'test prices',
          ),
        },
        {
          kafka: { brokers: [cluster.brokers], clientId },
          registry: { url: cluster.registryUrl },
        },
        silentLogger(),
        new Registry(),
      );
    const result = await replay('e2e-replay');
    expect(result.judgeId).not.toBe(target.judgeId);
    expect(result.responses).toEqual(new Map([[target.runId, 40]]));
    expect(result.completion).toEqual({ expected: 40, judged: 40, deadLettered: 0 });
    expect(summarize(result.metrics.get(target.runId)?.overall ?? emptyTally()).pac).toBe(50);
    // Exactly that run's 40 judge calls, and no answer from the model under test.
    expect(server.served['responses']).toBe(answersBefore + 40);
    // What they cost: every stored response judged, so the estimate is what was spent.
    const judgeCost = result.cost.get(target.runId);
    expect(judgeCost?.spentUsd ?? 0).toBeGreaterThan(0);
    expect(judgeCost?.estimateUsd).toBeCloseTo(judgeCost?.spentUsd ?? -1, 12);
    const costCsv = readFileSync(join(dirname(result.reportFiles[0] ?? ''), 'cost.csv'), 'utf8');
    expect(costCsv).toMatch(
      /^judge,simulated-judge,40,40,\d+,\d+,0,[0-9.e-]+,1 \/ 4 \/ 4,test,2026-01-01$/m,
    );
    // The answers' model has no price in that table: its cost is unknown, not 0.
    expect(costCsv).toMatch(/^responder,simulated-model,40,40,\d+,\d+,0,unknown,no price,,$/m);

    // The judgments topic holds the second judge's verdicts for that run only.
    const names = topicNames(prefix);
    const judgments = await readMessages(cluster, names.judgments, 3 * 40 + 40);
    const keys = judgments.map((m) => m.key?.toString() ?? '');
    const byNewJudge = keys.filter((key) => key.endsWith(`/${result.judgeId}`));
    expect(byNewJudge).toHaveLength(40);
    expect(byNewJudge.every((key) => key.startsWith(`${target.runId}/`))).toBe(true);

    // Asked again, the same replay finds every pair judged and calls nothing.
    const again = await replay('e2e-replay-2');
    expect(again.completion.judged).toBe(40);
    expect(server.served['responses']).toBe(answersBefore + 40);
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
            values: null,
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
