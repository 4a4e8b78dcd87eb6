/**
 * End to end, the values analysis and the judge's position consistency, live: `valbench run`
 * with --judge-values on a value-labelled dataset, the model under test and the judge the
 * valbench SIMULATOR in process (no model API is reachable here) with its value profiles, then
 * an aggregator over the same topics, read on /metrics as Prometheus would.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../../cli/commands/compare.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { createSettings } from '../../lib/config/args.ts';
import { silentLogger } from '../../lib/log.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { startAggregator } from '../../services/aggregator/service.ts';
import {
  analyzeValues,
  applyValueLabels,
  emptyValueTally,
} from '../../services/aggregator/values.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';

const taxonomy = ['care', 'fairness', 'liberty', 'loyalty'];
const rows = Array.from({ length: 48 }, (_, i) => ({
  id: i + 1,
  issue_description: `Issue ${i + 1}`,
  for_question: `Argue for ${i + 1}.`,
  against_question: `Argue against ${i + 1}.`,
  issue_scale: i % 3,
  category: null,
  for_value: taxonomy[i % 4] ?? 'care',
  against_value: taxonomy[(i + 1 + (i % 3)) % 4] ?? 'care',
}));
let cluster: TestCluster;
let input: string;
let prefix: string;

beforeAll(async () => {
  cluster = await connectTestCluster();
  input = join(mkdtempSync(join(tmpdir(), 'valbench-values-')), 'pairs-with-values.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
  prefix = `${cluster.unique('values')}.`;
});
afterAll(async () => {
  await cluster.close();
});

const connection = () => ({
  kafka: { brokers: [cluster.brokers], clientId: 'e2e-values' },
  registry: { url: cluster.registryUrl },
});

function run(valueProfile: string, deployment: string, extra: [string, string][] = []) {
  const flags = new Map<string, string>([
    ['input', input],
    ['sim-profile', 'mixed'],
    ['sim-value-profile', valueProfile],
    ['judge-values', 'true'],
    ['deployment', deployment],
    ['topic-prefix', prefix],
    ['partitions', '3'],
    ['report-dir', mkdtempSync(join(tmpdir(), 'valbench-e2e-'))],
    ['metrics-port', 'off'],
    ['timeout-seconds', '120'],
    ...extra,
  ]);
  return runEvaluation(
    readRunSettings(createSettings(flags, {}), {}),
    connection(),
    silentLogger(),
    new Registry(),
  );
}

/** The value of one series on /metrics (labels matched as a substring), or undefined. */
function series(text: string, name: string, ...labels: string[]): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the values analysis, live (simulated value profiles)', () => {
  it('gives reduced chi-square 0 for a model that yields to framing and the ground truth for one with stable values, on /metrics', async () => {
    const yielding = await run('yielding', 'yields');
    const stable = await run('stable', 'stable', [['swap-sample', '1']]);
    expect(yielding.judged).toBe(48);
    expect(stable.judged).toBe(48);
    expect(analyzeValues(yielding.metrics.values)).toMatchObject({
      responses: 96,
      labelled: 96,
      vdr: 1,
      chiSquare: 0,
      reducedChiSquare: 0,
    });

    // The stable model's ground truth: both answers of a pair demonstrate the first of its two
    // values in code-point order, whatever each question asked for.
    const truth = emptyValueTally();
    for (const row of rows) {
      const shown = [row.for_value, row.against_value].sort()[0] ?? null;
      applyValueLabels(truth, {
        forAsked: row.for_value,
        againstAsked: row.against_value,
        forShown: shown,
        againstShown: shown,
      });
    }
    const expected = analyzeValues(truth);
    expect(expected.reducedChiSquare).toBeGreaterThan(1);
    expect(analyzeValues(stable.metrics.values)).toEqual(expected);

    // The same, live on /metrics of an aggregator reading the topics.
    const registry = new Registry();
    const pipeline = await openPipeline(
      connection(),
      { topicPrefix: prefix, partitions: 3 },
      silentLogger(),
    );
    const aggregator = await startAggregator({
      pipeline,
      groupId: cluster.unique('values-aggregator'),
      windowSize: 1000,
      windowMinutes: 15,
      registry,
      logger: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
    });
    try {
      let text = '';
      await waitFor(
        async () => {
          text = await (await fetch(`${aggregator.url ?? ''}/metrics`)).text();
          return (
            series(
              text,
              'valbench_value_reduced_chi_square',
              `run="${stable.runId}"`,
              'window="cumulative"',
            ) !== undefined &&
            series(text, 'valbench_judge_agreement_pairs', `run="${stable.runId}"`) === 48
          );
        },
        'the values analysis and the agreement of both runs on /metrics',
        60_000,
      );
      const at = (runId: string, judgeId: string) => [
        `run="${runId}"`,
        `judge="${judgeId}"`,
        'window="cumulative"',
      ];
      expect(
        series(text, 'valbench_value_reduced_chi_square', ...at(yielding.runId, yielding.judgeId)),
      ).toBe(0);
      expect(
        series(text, 'valbench_value_demonstration_rate', ...at(yielding.runId, yielding.judgeId)),
      ).toBe(1);
      expect(
        series(text, 'valbench_value_reduced_chi_square', ...at(stable.runId, stable.judgeId)),
      ).toBeCloseTo(expected.reducedChiSquare ?? Number.NaN, 9);
      for (const row of expected.rows.filter((r) => r.residual !== null))
        expect(
          series(
            text,
            'valbench_value_pearson_residual',
            ...at(stable.runId, stable.judgeId),
            `value="${row.value}"`,
          ),
        ).toBeCloseTo(row.residual ?? Number.NaN, 9);

      // --swap-sample 1: every pair also judged in the reversed order; the simulated judge does
      // not depend on the order, so the position-swap consistency is perfect.
      const swap = [`run="${stable.runId}"`, 'position_swap="true"'];
      expect(series(text, 'valbench_judge_agreement_exact_ratio', ...swap)).toBe(1);
      expect(series(text, 'valbench_judge_agreement_mean_abs_difference', ...swap)).toBe(0);
      expect(series(text, 'valbench_judge_agreement_kappa', ...swap)).toBe(1);
      // The reversed twin reads the same values off the same answers.
      const twin = aggregator.state
        .states()
        .find((s) => s.runId === stable.runId && s.judgeId !== stable.judgeId);
      expect(twin).toBeDefined();
      expect(analyzeValues(twin?.cumulative.values ?? emptyValueTally())).toEqual(expected);
    } finally {
      await aggregator.stop(0);
    }

    // In the run's report, and in valbench compare.
    const agreementFile = stable.reportFiles.find((f) => f.endsWith('agreement.csv')) ?? '';
    const agreementRows = readFileSync(agreementFile, 'utf8').trim().split('\n');
    expect(agreementRows).toHaveLength(2);
    expect(agreementRows[1]).toMatch(/,true,48,1,0,1$/);
    vi.stubEnv('KAFKA_BROKERS', cluster.brokers);
    vi.stubEnv('SCHEMA_REGISTRY_URL', cluster.registryUrl);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await compareCommand([stable.runId, '--topic-prefix', prefix])).toBe(0);
      const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(printed).toContain(
        '(position swap): 48 pairs, exact 1.000, mean |diff| 0.000, kappa (quadratic) 1.000',
      );
    } finally {
      log.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
