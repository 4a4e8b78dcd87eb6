/**
 * End to end: the live page in a real headless Chromium (Debian's), during a run of `valbench
 * serve` (its own process, real broker and registry) requested with POST /runs. The model under
 * test and the judge are the valbench SIMULATOR server over HTTP (OpenAI chat completions
 * through the real SDK), slowed down so the run lasts several seconds. The page must show the run
 * while it is in progress, and the PAC it renders must be the aggregator's.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noFaults } from '../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../lib/simulator/server.ts';
import { spawnValbench } from '../support/cli.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';
import { freePorts } from '../support/ports.ts';

const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const fixture = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
const screenshot = join(import.meta.dirname, '..', '..', '.test-results', 'live-page.png');
const key = 'sk-simulator-test-key';
const pairs = 40;
let cluster: TestCluster | undefined;
let simulator: SimulatorServer | undefined;
let browser: Browser | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // A missing browser fails the test: scripts/ensure-debian-tools.sh installs it.
  if (!existsSync(chromium))
    throw new Error(`Chromium not found at ${chromium}: run scripts/ensure-debian-tools.sh`);
  cluster = await connectTestCluster();
  simulator = await startSimulatorServer({
    profile: 'mixed',
    seed: 3,
    latency: { kind: 'fixed', ms: 150 },
    faults: noFaults,
    apiKey: key,
  });
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});
afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  await simulator?.close();
  await cluster?.close();
});

/** `valbench serve` on a topic prefix of its own, slow enough that a run takes seconds. */
async function serve(): Promise<string> {
  if (cluster === undefined || simulator === undefined) throw new Error('the setup did not finish');
  const { brokers, registryUrl } = cluster;
  const prefix = `${cluster.unique('live-page')}.`;
  const modelUrl = `${simulator.url}/v1`;
  const [port] = await freePorts(1);
  const datasetDir = mkdtempSync(join(tmpdir(), 'valbench-live-page-data-'));
  copyFileSync(fixture, join(datasetDir, 'pairs.jsonl'));
  const endpoint = (flag: string) => [
    `--${flag}provider`,
    'openai-compatible',
    `--${flag}endpoint`,
    flag === '' ? 'vllm' : 'judge-server',
    `--${flag}base-url`,
    modelUrl,
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
      '2',
      '--concurrency',
      '2',
      '--judge-concurrency',
      '2',
      '--dataset-dir',
      datasetDir,
      '--api-port',
      String(port),
      '--sim-profile',
      'mixed',
    ],
    { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl, SIM_KEY: key },
  );
  children.push(running.child);
  await waitFor(
    () => running.lines.some((l) => l.includes('live page http://')),
    `valbench serve listening (${running.text()})`,
    40_000,
  );
  return `http://127.0.0.1:${String(port)}`;
}

/**
 * The text of the first element the selector finds (null: none), read in the page. The page
 * code is a string: this project's types have no DOM library.
 */
async function textOf(page: Page, selector: string): Promise<string | null> {
  const text: unknown = await page.evaluate(
    `document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`,
  );
  return typeof text === 'string' ? text : null;
}

interface ApiRun {
  runId: string;
  cumulative: { pac: number; pacCiLow: number; pacCiHigh: number; valid: number; invalid: number };
}

describe('the live page', () => {
  it('shows the running evaluation in a real browser, with the aggregator PAC', async () => {
    if (browser === undefined) throw new Error('the browser did not start');
    const url = await serve();
    const requested = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: { provider: 'openai-compatible', endpoint: 'vllm', model: 'model-live' },
        dataset: { path: 'pairs.jsonl', limit: pairs, sampleSeed: 2 },
        judges: [{ provider: 'openai-compatible', endpoint: 'judge-server', model: 'judge-live' }],
      }),
    });
    expect(requested.status).toBe(202);
    const { runId } = (await requested.json()) as { runId: string };

    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 700 });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(`${url}/`)) problems.push(`request to ${request.url()}`);
    });
    await page.goto(`${url}/`);
    const card = `section[data-run="${runId}"]`;
    const progress = `${card} [data-field="progress"]`;
    await page.waitForSelector(progress, { timeout: 30_000 });
    const firstSeen = (await textOf(page, progress)) ?? '';
    const [judgedFirst, ofPairs] = firstSeen.split(' / ').map(Number);
    // Seen while in progress: fewer pairs judged than the run holds.
    expect(ofPairs).toBe(pairs);
    expect(judgedFirst).toBeLessThan(pairs);

    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(progress)})?.textContent === '${pairs} / ${pairs}'`,
      { timeout: 40_000, polling: 250 },
    );
    // The run is complete: its figures no longer change between the page and this read.
    const shown = await textOf(page, `${card} [data-field="pac"]`);
    const interval = await textOf(page, `${card} .pac .detail`);
    const chartPoints = await page.evaluate(
      `document.querySelector(${JSON.stringify(`${card} svg.chart polyline`)})?.getAttribute('points')`,
    );
    const api = (await (await fetch(`${url}/api/metrics`)).json()) as { runs: ApiRun[] };
    const run = api.runs.find((r) => r.runId === runId);
    if (run === undefined) throw new Error(`run ${runId} not in /api/metrics`);
    expect(run.cumulative.valid + run.cumulative.invalid).toBe(pairs);
    expect(shown).toBe(run.cumulative.pac.toFixed(2));
    expect(interval).toBe(
      `95% CI ${run.cumulative.pacCiLow.toFixed(2)} – ${run.cumulative.pacCiHigh.toFixed(2)}`,
    );
    // One point a second over a run of several seconds: a line, not a dot.
    expect(typeof chartPoints === 'string' ? chartPoints.split(' ').length : 0).toBeGreaterThan(1);
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
