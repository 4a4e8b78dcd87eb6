/**
 * End to end, the dashboards proven on a real Prometheus (Debian's `prometheus`, loopback, scrape
 * every second): two simulated deployments of one model go through every stage on the real
 * broker (the model under test and the judge are the valbench SIMULATOR in process, with faults
 * injected so retries, 429s and dead letters happen), an aggregator reads the judgments live,
 * and then every target of every generated dashboard parses as PromQL (Grafana's variables
 * substituted) and its query_range over the runs' time returns data. A metric renamed in an
 * exporter leaves its panels empty, and this test fails.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../cli/evaluate.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { createSettings } from '../../lib/config/args.ts';
import type { Listening } from '../../lib/http-listen.ts';
import { silentLogger } from '../../lib/log.ts';
import { listenMetrics } from '../../lib/metrics-server.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { startAggregator, type Aggregator } from '../../services/aggregator/service.ts';
import { dashboards } from '../../scripts/dashboards/all.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

/** Panels' queries that may be empty over a simulated run, with the reason. */
const legitimatelyEmpty = new Map<string, string>([
  [
    'valbench_judge_agreement_alpha',
    "Krippendorff's alpha needs three judges of one run; each run here has two (the judge and its reversed twin).",
  ],
  [
    'valbench_truncated_answers_total',
    'the simulator always finishes its answers (finish reason stop): nothing is truncated.',
  ],
]);

const taxonomy = ['care', 'fairness', 'liberty', 'loyalty'];
const categories = ['economy', 'health', 'rights'];
const rows = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  issue_description: `Issue ${i + 1}`,
  for_question: `Argue for ${i + 1}.`,
  against_question: `Argue against ${i + 1}.`,
  issue_scale: i % 3,
  category: categories[i % 3] ?? 'economy',
  for_value: taxonomy[i % 4] ?? 'care',
  against_value: taxonomy[(i + 1 + (i % 3)) % 4] ?? 'care',
}));

/** Grafana's template variables, as "All" and a rate interval of four 1 s scrapes. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '4s')
    .replace(/\$(model|deployment|judge|run|stage)\b/g, '.*');
}

/** The PromQL syntax errors lezer-promql finds (empty when it parses). */
function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`at ${node.from}: "${expr.slice(node.from, node.to + 10)}"`);
    },
  });
  return errors;
}

interface PanelTarget {
  dashboard: string;
  panel: string;
  expr: string;
}

function panelTargets(): PanelTarget[] {
  const out: PanelTarget[] = [];
  for (const { file, dashboard } of dashboards())
    for (const panel of dashboard.panels ?? [])
      if ('targets' in panel)
        for (const target of panel.targets ?? [])
          if ('expr' in target && typeof target.expr === 'string')
            out.push({ dashboard: file, panel: panel.title ?? '', expr: target.expr });
  return out;
}

let cluster: TestCluster;
let prometheus: TestPrometheus | undefined;
let aggregator: Aggregator | undefined;
const servers: Listening[] = [];
const runRegistries = [new Registry(), new Registry()];
let input: string;
let prefix: string;

const connection = () => ({
  kafka: { brokers: [cluster.brokers], clientId: 'e2e-dashboards' },
  registry: { url: cluster.registryUrl },
});

beforeAll(async () => {
  cluster = await connectTestCluster();
  input = join(mkdtempSync(join(tmpdir(), 'valbench-dashboards-')), 'pairs.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
  prefix = `${cluster.unique('dashboards')}.`;
  const pipeline = await openPipeline(
    connection(),
    { topicPrefix: prefix, partitions: 3 },
    silentLogger(),
  );
  aggregator = await startAggregator({
    pipeline,
    groupId: cluster.unique('dashboards-aggregator'),
    windowSize: 10,
    windowMinutes: 15,
    registry: new Registry(),
    logger: silentLogger(),
    listen: { port: 0, host: '127.0.0.1' },
  });
  // Each run's own registry (its stages' metrics) served for as long as the test needs it.
  for (const registry of runRegistries)
    servers.push(await listenMetrics(registry, { port: 0, host: '127.0.0.1' }));
  const hostPort = (url: string): string => new URL(url).host;
  prometheus = await startPrometheus(
    {
      'valbench-aggregator': [hostPort(aggregator.url ?? '')],
      'valbench-stages': servers.map((s) => hostPort(s.url)),
    },
    [join(import.meta.dirname, '..', '..', 'deploy', 'prometheus', 'rules', 'valbench.rules.yml')],
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(servers.map((s) => s.close()));
  await aggregator?.stop(0);
  await cluster.close();
});

function run(deployment: string, seed: string, registry: Registry) {
  const flags = new Map<string, string>([
    ['input', input],
    ['sim-profile', 'mixed'],
    ['sim-seed', seed],
    ['sim-value-profile', 'stable'],
    ['judge-values', 'true'],
    ['swap-sample', '1'],
    ['deployment', deployment],
    ['sim-latency-ms', '5'],
    ['sim-429-rate', '0.05'],
    ['sim-retry-after-ms', '10'],
    ['sim-5xx-rate', '0.2'],
    ['attempts', '2'],
    ['topic-prefix', prefix],
    ['partitions', '3'],
    ['report-dir', mkdtempSync(join(tmpdir(), 'valbench-e2e-'))],
    ['metrics-port', 'off'],
    ['timeout-seconds', '60'],
  ]);
  return runEvaluation(
    readRunSettings(createSettings(flags, {}), {}),
    connection(),
    silentLogger(),
    registry,
  );
}

describe('the generated dashboards on a real Prometheus scraping a simulated run', () => {
  it('every panel query parses and returns data over the runs (except those listed as legitimately empty)', async () => {
    const p = prometheus;
    if (p === undefined) throw new Error('prometheus did not start');
    const [first, second] = runRegistries;
    if (first === undefined || second === undefined) throw new Error('no registries');
    const start = Date.now() - 5_000;
    const v1 = await run('v1', '1', first);
    const v2 = await run('v2', '7', second);
    expect(v1.judged + v1.deadLettered).toBe(30);
    expect(v2.judged + v2.deadLettered).toBe(30);
    // The aggregator holds both deployments, and Prometheus has scraped the change between them
    // (the last series the runs make) at least twice.
    await waitFor(
      async () =>
        (
          await p.queryRange(
            'count_over_time(valbench_deployment_pac_change_percent[1m])',
            Date.now() - 2_000,
            Date.now(),
            1,
          )
        ).length > 0 &&
        (
          await p.queryRange(
            'valbench_deployment_pac_change_percent',
            Date.now() - 3_000,
            Date.now(),
            1,
          )
        ).length > 0,
      'the change from v1 to v2 scraped by Prometheus',
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const end = Date.now();

    const targets = panelTargets();
    expect(targets.length).toBeGreaterThanOrEqual(30);
    const problems: string[] = [];
    const empty: string[] = [];
    for (const t of targets) {
      const expr = substitute(t.expr);
      const where = `${t.dashboard} · ${t.panel}: ${expr}`;
      expect(expr, where).not.toContain('$');
      const errors = syntaxErrors(expr);
      if (errors.length > 0) {
        problems.push(`${where} does not parse (${errors.join('; ')})`);
        continue;
      }
      const result = await p.queryRange(expr, start, end, 1);
      const allowed = [...legitimatelyEmpty.keys()].some((metric) => expr.includes(metric));
      if (result.length === 0 && !allowed) problems.push(`${where} returned no data`);
      if (result.length === 0) empty.push(where);
    }
    expect(problems).toEqual([]);
    // The list of empty panels is exactly what is explained above, nothing more.
    expect(empty.length).toBeLessThanOrEqual(legitimatelyEmpty.size);
  });
});
