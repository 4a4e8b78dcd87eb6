/**
 * End to end: cost through the real Kafka broker and schema registry. The model under test and the
 * judge are the valbench SIMULATOR in process (no model API is reachable here), priced from a price
 * file the test writes, so the cost figures do not move when the shipped prices are updated.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettings } from '../../lib/config/args.ts';
import { scanKeys } from '../../lib/kafka/scan.ts';
import { silentLogger } from '../../lib/log.ts';
import { topicNames } from '../../lib/topics.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { spawnValbench } from '../support/cli.ts';
import { connectTestCluster, type TestCluster } from '../support/kafka.ts';

const input = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
let cluster: TestCluster;
const dir = mkdtempSync(join(tmpdir(), 'valbench-cost-'));
const prices = join(dir, 'prices.json');

beforeAll(async () => {
  cluster = await connectTestCluster();
  writeFileSync(
    prices,
    JSON.stringify({
      models: {
        'priced-model': { input: 3, output: 15, source: 'test', asOf: '2026-01-01' },
        'priced-judge': { input: 1, output: 4, source: 'test', asOf: '2026-01-01' },
      },
    }),
  );
});
afterAll(async () => {
  await cluster.close();
});

/** The flags of a small simulated run with both models priced and small output budgets. */
function flags(prefix: string, maxCost: string | null): Record<string, string> {
  return {
    input,
    'sim-profile': 'mixed',
    model: 'priced-model',
    'judge-model': 'priced-judge',
    prices,
    'max-output-tokens': '200',
    'judge-max-output-tokens': '300',
    'topic-prefix': prefix,
    partitions: '3',
    'report-dir': dir,
    'metrics-port': '0',
    'timeout-seconds': '120',
    ...(maxCost === null ? {} : { 'max-cost': maxCost }),
  };
}

async function promptKeys(prefix: string, runId: string): Promise<string[]> {
  const keys: string[] = [];
  await scanKeys(cluster.kafka, topicNames(prefix).prompts, (key) => {
    if (key.startsWith(`${runId}/`)) keys.push(key);
  });
  return keys;
}

describe('cost (simulated models, real broker)', () => {
  it('a tiny --max-cost stops intake early: fewer pairs published, every one judged, spend within the budget plus what was in flight; the cost is on /metrics by stage, model and run', async () => {
    const prefix = `${cluster.unique('cost')}.`;
    const env = {};
    const settings = readRunSettings(
      createSettings(new Map(Object.entries(flags(prefix, '0.02'))), env),
      env,
    );
    let scraped: Promise<string> | undefined;
    const result = await runEvaluation(
      settings,
      {
        kafka: { brokers: [cluster.brokers], clientId: 'e2e-cost' },
        registry: { url: cluster.registryUrl },
      },
      silentLogger(),
      new Registry(),
      {
        onProgress: (p) => {
          if (scraped === undefined && p.judged > 0 && p.metricsUrl !== null)
            scraped = fetch(`${p.metricsUrl}/metrics`).then((r) => r.text());
        },
      },
    );
    const limit = result.costLimit;
    expect(limit).not.toBeNull();
    const published = limit?.published ?? 0;
    expect(published).toBeGreaterThan(0);
    expect(published).toBeLessThan(40);
    // What was published is on the topic, and nothing else of this run.
    expect(await promptKeys(prefix, result.runId)).toHaveLength(published);
    // Nothing already paid for is lost: every published pair was judged.
    expect(result.judged).toBe(published);
    expect(result.interrupted).toBe(false);
    const spent = result.cost.total.spentUsd ?? Number.NaN;
    expect(spent).toBeGreaterThan(0);
    // The gate admits a pair only when the spend, the pairs in flight at their average and the
    // pair itself fit: only a pair dearer than the average can carry the spend past the budget.
    const perPair = spent / published;
    expect(spent).toBeLessThanOrEqual(0.02 + 2 * perPair);
    // Stopped because the next pair would have passed it.
    expect(limit?.projectedUsd ?? 0).toBeGreaterThan(0.02);
    // The estimate is for all 40 pairs.
    expect(result.cost.total.estimateUsd ?? 0).toBeCloseTo((spent / published) * 40, 1);

    expect(scraped).toBeDefined();
    const text = (await scraped) ?? '';
    for (const stage of ['responder', 'judge'])
      expect(text).toMatch(
        new RegExp(
          `valbench_cost_usd_total\\{stage="${stage}",model="simulated/mixed",run="${result.runId}"\\} [0-9.e-]+`,
        ),
      );
    // The report has the token totals and the cost of the pairs judged.
    const costCsv = readFileSync(join(dirname(result.reportFiles[0] ?? ''), 'cost.csv'), 'utf8');
    expect(costCsv).toMatch(
      new RegExp(`^responder,priced-model,${published},${published},\\d+`, 'm'),
    );
    expect(costCsv).toMatch(new RegExp(`^judge,priced-judge,${published},${published},\\d+`, 'm'));
    const totalUsd = Number(/^total,+([0-9.e-]+)/m.exec(costCsv)?.[1]);
    expect(totalUsd).toBeCloseTo(spent, 9);
  });

  it('`valbench run --max-cost` ends with exit 4 and says how far it got; without it the same run is complete', async () => {
    const env = {
      KAFKA_BROKERS: cluster.brokers,
      SCHEMA_REGISTRY_URL: cluster.registryUrl,
    };
    const args = (prefix: string, maxCost: string | null): string[] =>
      Object.entries(flags(prefix, maxCost)).flatMap(([k, v]) => [`--${k}`, v]);
    const limited = spawnValbench(['run', ...args(`${cluster.unique('cost-cli')}.`, '0.01')], env);
    expect(await limited.exit, limited.text()).toBe(4);
    expect(limited.text()).toMatch(
      /stopped at the cost limit \(--max-cost \$0\.010\): ([1-9]|[1-3][0-9]) of 40 pairs published, \$[0-9.]+ spent, estimate for the whole run \$[0-9.]+/,
    );
    expect(limited.text()).toMatch(
      /cost so far: responder \/ judge \/ total +\$[0-9.]+ \/ \$[0-9.]+ \/ \$[0-9.]+/,
    );
    const full = spawnValbench(['run', ...args(`${cluster.unique('cost-cli')}.`, null)], env);
    expect(await full.exit, full.text()).toBe(0);
    expect(full.text()).toMatch(/judged \/ dead-lettered +40 \/ 0/);
    expect(full.text()).not.toContain('stopped at the cost limit');
  });
});
