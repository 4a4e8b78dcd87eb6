/**
 * End to end: `valbench serve` as its own process on the real broker and registry, runs requested
 * while it runs, over HTTP (the deploy hook's API) and on the run-requests topic. The model under
 * test and the judge are the valbench SIMULATOR server over HTTP (OpenAI chat completions through
 * the real SDK): no model API is reachable here.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../lib/kafka/codec.ts';
import { noFaults } from '../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../lib/simulator/server.ts';
import { topicNames } from '../../lib/topics.ts';
import type { RunView } from '../../services/api/runs.ts';
import { sampleRunRequest } from '../support/fixtures.ts';
import { spawnValbench, type CliProcess } from '../support/cli.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';
import { freePorts } from '../support/ports.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
const key = 'sk-simulator-test-key';
const token = 'a-test-token-of-32-characters-xx';
let cluster: TestCluster;
let simulator: SimulatorServer;
let datasetDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await connectTestCluster();
  simulator = await startSimulatorServer({
    profile: 'one-refusal',
    seed: 1,
    latency: { kind: 'fixed', ms: 0 },
    faults: noFaults,
    apiKey: key,
  });
  datasetDir = mkdtempSync(join(tmpdir(), 'valbench-serve-data-'));
  copyFileSync(fixture, join(datasetDir, 'pairs.jsonl'));
  // Test prices for the models the requests name (the shipped table has real models only).
  writeFileSync(
    join(datasetDir, 'prices.json'),
    JSON.stringify({
      models: {
        'model-a': { input: 3, output: 15, source: 'test', asOf: '2026-01-01' },
        'judge-a': { input: 1, output: 4, source: 'test', asOf: '2026-01-01' },
      },
    }),
  );
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await simulator.close();
  await cluster.close();
});

/** Starts `valbench serve` on a topic prefix of its own; resolves once its API answers. */
async function serve(
  prefix: string,
  host: string,
  extraEnv: Record<string, string> = {},
): Promise<{ url: string; process: CliProcess }> {
  const [port] = await freePorts(1);
  const endpoint = (flag: string) => [
    `--${flag}provider`,
    'openai-compatible',
    `--${flag}endpoint`,
    flag === '' ? 'vllm' : 'judge-server',
    `--${flag}base-url`,
    `${simulator.url}/v1`,
    `--${flag}api-key-env`,
    'SIM_KEY',
    `--${flag}simulator-hints`,
  ];
  const running = spawnValbench(
    [
      'serve',
      ...endpoint(''),
      ...endpoint('judge-'),
      '--topic-prefix',
      prefix,
      '--partitions',
      '3',
      '--dataset-dir',
      datasetDir,
      '--api-host',
      host,
      '--api-port',
      String(port),
      '--sim-profile',
      'one-refusal',
      '--prices',
      join(datasetDir, 'prices.json'),
    ],
    {
      KAFKA_BROKERS: cluster.brokers,
      SCHEMA_REGISTRY_URL: cluster.registryUrl,
      SIM_KEY: key,
      ...extraEnv,
    },
  );
  children.push(running.child);
  await waitFor(
    () => running.lines.some((l) => l.includes('valbench serve: run API')),
    `valbench serve listening (${running.text()})`,
    90_000,
  );
  return { url: `http://127.0.0.1:${String(port)}`, process: running };
}

const body = (overrides: Record<string, unknown> = {}) => ({
  model: { provider: 'openai-compatible', endpoint: 'vllm', model: 'model-a', deployment: 'v1' },
  dataset: { path: 'pairs.jsonl', limit: 12, sampleSeed: 5 },
  judges: [{ provider: 'openai-compatible', endpoint: 'judge-server', model: 'judge-a' }],
  ...overrides,
});

async function post(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function runView(url: string, runId: string): Promise<RunView> {
  return (await (await fetch(`${url}/runs/${runId}`)).json()) as RunView;
}

async function send(topic: string, key: string, value: Buffer): Promise<void> {
  const producer = cluster.kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

async function topicSize(topic: string): Promise<number> {
  const offsets = await cluster.admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

describe('valbench serve (loopback)', () => {
  let url: string;
  let prefix: string;
  beforeAll(async () => {
    prefix = `${cluster.unique('serve')}.`;
    ({ url } = await serve(prefix, '127.0.0.1'));
  });

  it('runs a request made over HTTP, shows it on GET /runs/<id> and /metrics, and starts nothing for the same request again', async () => {
    const before = { ...simulator.served };
    const accepted = await post(url, body());
    expect(accepted.status).toBe(202);
    const runId = String(accepted.json['runId']);
    expect(accepted.json['pairs']).toBe(12);
    let view: RunView | undefined;
    await waitFor(
      async () => {
        view = await runView(url, runId);
        return view.state === 'complete';
      },
      'the requested run complete',
      120_000,
    );
    expect(view?.pairs).toBe(12);
    expect(view?.responded).toBe(12);
    expect(view?.judges).toHaveLength(1);
    expect(view?.judges[0]).toMatchObject({ judged: 12, valid: 12, pac: 50, model: 'judge-a' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`valbench_pac_percent\\{[^}]*run="${runId}"[^}]*\\} 50`));
    // What the run cost, priced from the test's price file, on /metrics and GET /runs/<id>.
    for (const stage of ['responder', 'judge'])
      expect(metrics).toMatch(
        new RegExp(`valbench_cost_usd_total\\{stage="${stage}",[^}]*run="${runId}"\\} [0-9.e-]+`),
      );
    const spent = view?.cost?.total.spentUsd ?? 0;
    expect(spent).toBeGreaterThan(0);
    expect(view?.cost?.responder.spentUsd ?? 0).toBeGreaterThan(0);
    // Every pair done: the estimate for the run is what it cost.
    expect(view?.cost?.total.estimateUsd).toBeCloseTo(spent, 12);
    // 12 pairs: 24 answers and 12 judgments went through the simulator.
    const calls = (simulator.served['chat'] ?? 0) - (before['chat'] ?? 0);
    expect(calls).toBe(24 + 12);

    // The deploy hook's wait, over the API only (no Kafka in its environment), with a gate.
    const passes = spawnValbench(['wait', runId, '--api', url, '--fail-under', '40'], {});
    expect(await passes.exit, passes.text()).toBe(0);
    expect(passes.text()).toContain('PAC 50.00%');
    const fails = spawnValbench(['wait', runId, '--api', url, '--fail-under', '60'], {});
    expect(await fails.exit, fails.text()).toBe(3);
    expect(fails.text()).toContain('below 60');

    const again = await post(url, body());
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ runId, existing: true });
    expect(await topicSize(topicNames(prefix).runRequests)).toBe(1);
    const list = (await (await fetch(`${url}/runs`)).json()) as { runs: { runId?: string }[] };
    expect(list.runs.map((r) => r.runId)).toContain(runId);
  });

  it('runs a request written to the run-requests topic', async () => {
    const names = topicNames(prefix);
    const codec = createCodec(cluster.registry, 'runRequest', names.runRequests);
    const request = {
      ...sampleRunRequest(),
      requestId: 'from-the-topic',
      model: {
        ...body().model,
        deployment: 'from-topic',
        systemPrompt: null,
        temperature: null,
        topP: null,
        maxOutputTokens: null,
        reasoningEffort: null,
      },
      dataset: { ...sampleRunRequest().dataset, path: 'pairs.jsonl', limit: 6 },
      // Two judges of the run side by side: the same model, the second with the pair reversed.
      judges: [false, true].map((reversed) => ({
        provider: 'openai-compatible',
        endpoint: 'judge-server',
        model: 'judge-a',
        temperature: null,
        topP: null,
        maxOutputTokens: null,
        reversed,
      })),
    };
    await send(names.runRequests, request.requestId, await codec.encode(request));
    let found: RunView | undefined;
    await waitFor(
      async () => {
        const list = (await (await fetch(`${url}/runs`)).json()) as { runs: RunView[] };
        found = list.runs.find((r) => r.deployment === 'from-topic');
        return found?.state === 'complete';
      },
      'the run requested on the topic complete',
      120_000,
    );
    expect(found?.pairs).toBe(6);
    expect(found?.judges).toHaveLength(2);
    expect(found?.judges.map((j) => [j.reversed, j.judged, j.pac]).sort()).toEqual([
      [false, 6, 50],
      [true, 6, 50],
    ]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const judge of found?.judges ?? []) expect(metrics).toContain(`judge="${judge.judgeId}"`);
  });

  it('a request with maxCostUsd stops its intake at the budget: fewer pairs, all judged, shown on GET /runs/<id>', async () => {
    const limited = await post(
      url,
      body({
        model: {
          ...body().model,
          deployment: 'budgeted',
          maxOutputTokens: 200,
        },
        judges: [{ ...body().judges[0], maxOutputTokens: 300 }],
        maxCostUsd: 0.015,
      }),
    );
    expect(limited.status).toBe(202);
    const runId = String(limited.json['runId']);
    let view: RunView | undefined;
    await waitFor(
      async () => {
        view = await runView(url, runId);
        return view.costLimit !== undefined && view.state === 'complete';
      },
      'the budgeted run stopped at its limit and complete',
      120_000,
    );
    const published = view?.costLimit?.published ?? 0;
    expect(published).toBeGreaterThan(0);
    expect(published).toBeLessThan(12);
    expect(view?.costLimit?.pairs).toBe(12);
    expect(view?.pairs).toBe(published);
    expect(view?.judges[0]?.judged).toBe(published);
    const spent = view?.cost?.total.spentUsd ?? Number.NaN;
    expect(spent).toBeLessThanOrEqual(0.015 + 2 * (spent / published));
    expect(view?.costLimit?.projectedUsd ?? 0).toBeGreaterThan(0.015);

    // A budget needs a price for every model it names.
    const unpriced = await post(
      url,
      body({ judges: [{ ...body().judges[0], model: 'judge-without-price' }], maxCostUsd: 1 }),
    );
    expect(unpriced.status).toBe(422);
    expect(JSON.stringify(unpriced.json['problems'])).toContain(
      'maxCostUsd: no price for model judge-without-price',
    );
  });

  it('refuses bad requests at once with their reasons and starts nothing', async () => {
    const names = topicNames(prefix);
    const requestsBefore = await topicSize(names.runRequests);
    const notJson = await post(url, '{"model":');
    expect(notJson.status).toBe(400);

    const badField = await post(
      url,
      body({
        model: { provider: 'openai-compatible', endpoint: 'vllm', model: 'm', temperature: 7 },
      }),
    );
    expect(badField.status).toBe(400);
    expect(JSON.stringify(badField.json['problems'])).toContain('model.temperature');

    const unknownField = await post(url, { ...body(), colour: 'blue' });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.json['problems'])).toContain('colour');

    const unserved = await post(
      url,
      body({ model: { provider: 'openai-compatible', endpoint: 'nobody', model: 'm' } }),
    );
    expect(unserved.status).toBe(422);
    expect(JSON.stringify(unserved.json['problems'])).toContain(
      'no responder serves openai-compatible/nobody',
    );

    const noJudge = await post(
      url,
      body({ judges: [{ provider: 'anthropic', endpoint: 'judge-server', model: 'j' }] }),
    );
    expect(noJudge.status).toBe(422);
    expect(JSON.stringify(noJudge.json['problems'])).toContain('judges.0.endpoint');

    const missing = await post(url, body({ dataset: { path: 'nope.jsonl' } }));
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.json['problems'])).toContain('dataset cannot be read');

    const outside = await post(url, body({ dataset: { path: '../../etc/passwd.jsonl' } }));
    expect(outside.status).toBe(422);
    expect(JSON.stringify(outside.json['problems'])).toContain('outside');

    const huge = await post(
      url,
      body({
        dataset: {
          path: 'pairs.jsonl',
          pairIds: Array.from({ length: 20_000 }, (_, i) => `pair-${i}`),
        },
      }),
    );
    expect(huge.status).toBe(413);

    expect(await topicSize(names.runRequests)).toBe(requestsBefore);
    const readOnly = await fetch(`${url}/metrics`, { method: 'POST' });
    expect(readOnly.status).toBe(405);
  });

  it('lists a request on the topic that cannot run as refused, with its reason', async () => {
    const names = topicNames(prefix);
    const codec = createCodec(cluster.registry, 'runRequest', names.runRequests);
    const request = {
      ...sampleRunRequest(),
      requestId: 'unserved-on-the-topic',
      model: { ...sampleRunRequest().model, provider: 'openai', endpoint: 'elsewhere' },
    };
    await send(names.runRequests, request.requestId, await codec.encode(request));
    let refused: { requestId?: string; state?: string; reason?: string } | undefined;
    await waitFor(
      async () => {
        const list = (await (await fetch(`${url}/runs`)).json()) as {
          runs: { requestId?: string; state?: string; reason?: string }[];
        };
        refused = list.runs.find((r) => r.requestId === request.requestId);
        return refused !== undefined;
      },
      'the refused request listed',
      60_000,
    );
    expect(refused?.state).toBe('refused');
    expect(refused?.reason).toContain('no responder serves openai/elsewhere');
  });
});

describe('valbench serve off loopback', () => {
  it('refuses to start without a token', async () => {
    const running = spawnValbench(
      ['serve', '--api-host', '0.0.0.0', '--topic-prefix', `${cluster.unique('notoken')}.`],
      { KAFKA_BROKERS: cluster.brokers, SCHEMA_REGISTRY_URL: cluster.registryUrl },
    );
    children.push(running.child);
    expect(await running.exit).toBe(1);
    expect(running.text()).toContain('VALBENCH_API_TOKEN');
  });

  it('answers 401 to a request without the token and starts nothing', async () => {
    const prefix = `${cluster.unique('token')}.`;
    const { url, process: running } = await serve(prefix, '0.0.0.0', {
      VALBENCH_API_TOKEN: token,
    });
    const none = await post(url, body());
    expect(none.status).toBe(401);
    const wrong = await post(url, body(), { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    const listing = await fetch(`${url}/runs`);
    expect(listing.status).toBe(401);
    expect(await topicSize(topicNames(prefix).runRequests)).toBe(0);
    const allowed = await fetch(`${url}/runs`, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(running.text()).not.toContain(token);
  });
});
