/**
 * `valbench run` as a person runs it, in its own process on the real broker and registry: Ctrl-C
 * drains, prints the partial summary and the command that resumes, exits 130; the same command
 * again finishes with exact metrics and asks the model nothing it was asked before (beyond the
 * calls in flight at the interruption). The model under test and the judge are two valbench
 * SIMULATOR servers over HTTP (chat completions through the real OpenAI SDK), each counting the
 * requests it serves.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noFaults } from '../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../lib/simulator/server.ts';
import { spawnValbench, type CliProcess } from '../support/cli.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';
import { expectedSummary, writePairs } from '../support/pairs.ts';

let cluster: TestCluster;
const servers: SimulatorServer[] = [];
const processes: CliProcess[] = [];
const seed = 23;

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.close()));
  await cluster.close();
});

async function simulator(latencyMs: number): Promise<SimulatorServer> {
  const server = await startSimulatorServer({
    profile: 'mixed',
    seed,
    latency: { kind: 'fixed', ms: latencyMs },
    faults: noFaults,
  });
  servers.push(server);
  return server;
}

function runArgs(input: string, model: SimulatorServer, judge: SimulatorServer, extra: string[]) {
  return [
    'run',
    '--input',
    input,
    '--provider',
    'openai-compatible',
    '--base-url',
    `${model.url}/v1`,
    '--simulator-hints',
    '--judge-provider',
    'openai-compatible',
    '--judge-base-url',
    `${judge.url}/v1`,
    '--judge-simulator-hints',
    '--topic-prefix',
    `${cluster.unique('interrupt')}.`,
    '--partitions',
    '3',
    '--metrics-port',
    'off',
    '--report-dir',
    mkdtempSync(join(tmpdir(), 'valbench-interrupt-report-')),
    ...extra,
  ];
}

function valbench(args: string[]): CliProcess {
  const p = spawnValbench(args, {
    KAFKA_BROKERS: cluster.brokers,
    SCHEMA_REGISTRY_URL: cluster.registryUrl,
    OPENAI_API_KEY: 'simulator-key',
  });
  processes.push(p);
  return p;
}

describe('valbench run interrupted and resumed', () => {
  it('Ctrl-C drains and exits 130; the same command resumes to exact metrics without asking again', async () => {
    const pairs = 150;
    const concurrency = 8;
    const { input, rows } = writePairs(pairs);
    const model = await simulator(100);
    const judge = await simulator(20);
    const args = runArgs(input, model, judge, [
      '--concurrency',
      String(concurrency),
      '--judge-concurrency',
      String(concurrency),
      '--grace-seconds',
      '20',
    ]);

    const first = valbench(args);
    await waitFor(() => (model.served['chat'] ?? 0) >= 100, '50 pairs asked', 60_000);
    first.child.kill('SIGINT');
    expect(await first.exit, first.text()).toBe(130);
    expect(first.text()).toContain('INTERRUPTED: partial results');
    expect(first.text()).toContain('Resume with the same command');
    expect(first.text()).toContain('PAC %');
    const modelCallsBefore = model.served['chat'] ?? 0;
    expect(modelCallsBefore).toBeLessThan(2 * pairs);

    const second = valbench(args);
    expect(await second.exit, second.text()).toBe(0);
    const out = second.text();
    expect(out).toMatch(/judged \/ dead-lettered\s+150 \/ 0/);
    expect(out).toContain('resumed:');
    const expected = expectedSummary(rows, 'mixed', seed);
    expect(out).toContain(`PAC %`);
    expect(out).toMatch(new RegExp(`PAC %\\s+${expected.pac.toFixed(2).replace('.', '\\.')} `));
    // Nothing answered or judged before the interruption was asked again; at most the calls in
    // flight when it came (here none: the drain let them finish).
    const modelCalls = model.served['chat'] ?? 0;
    const judgeCalls = judge.served['chat'] ?? 0;
    expect(modelCalls).toBeGreaterThanOrEqual(2 * pairs);
    expect(modelCalls).toBeLessThanOrEqual(2 * pairs + 2 * concurrency);
    expect(judgeCalls).toBeGreaterThanOrEqual(pairs);
    expect(judgeCalls).toBeLessThanOrEqual(pairs + concurrency);
  });

  it('a second Ctrl-C exits at once', async () => {
    const { input } = writePairs(40);
    const model = await simulator(5_000);
    const judge = await simulator(0);
    const run = valbench(runArgs(input, model, judge, ['--grace-seconds', '60']));
    await waitFor(() => (model.served['chat'] ?? 0) >= 4, 'calls in flight', 60_000);
    run.child.kill('SIGINT');
    await waitFor(() => run.text().includes('stopping intake'), 'first signal seen', 10_000);
    const second = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(Date.now() - second).toBeLessThan(3_000);
  });

  it('a run past its timeout ends within its grace period with RUN_TIMEOUT', async () => {
    const { input } = writePairs(40);
    const model = await simulator(3_000);
    const judge = await simulator(0);
    const run = valbench(
      runArgs(input, model, judge, [
        '--timeout-seconds',
        '4',
        '--grace-seconds',
        '2',
        '--concurrency',
        '2',
      ]),
    );
    const started = Date.now();
    expect(await run.exit).toBe(1);
    expect(run.text()).toContain('RUN_TIMEOUT');
    // Stack/registry setup takes a few seconds; then 4 s of run, 2 s of grace, bounded closes.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
