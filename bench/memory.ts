/**
 * Peak memory at scale, in one invocation: first each stage as its own `valbench` process
 * (producer, responder, judge, aggregator, all running at once) over one run of N pairs, then
 * `valbench run` (every stage in one process) over the same file as a second run. The model and
 * judge are SIMULATED in process with zero latency. Rows are realistic (every column of the real
 * set, about 3 KB of section text: 115,000 rows are about 440 MB of JSONL), written as JSONL or
 * parquet (row groups of 5,000). Each process is started through bin/valbench (the launcher
 * users run) with bench/peak-rss.ts preloaded (NODE_OPTIONS=--import), which prints its peak RSS
 * when it exits. Prints one JSON line: each peak, and its ratio to the limit (256 MiB a stage,
 * 512 MiB `valbench run`).
 *
 *   node bench/memory.ts --pairs 115000 [--format jsonl|parquet] [--concurrency 64]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { writeRealisticJsonl, writeRealisticParquet } from './rows.ts';
import { benchServer, serverFlags } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 10_000);
const format = flags.get('format') ?? 'jsonl';
const concurrency = flags.get('concurrency') ?? '64';
const MiB = 2 ** 20;
const limits = { stage: 256 * MiB, run: 512 * MiB };
const valbench = join(import.meta.dirname, '..', 'bin', 'valbench');
const preload = join(import.meta.dirname, 'peak-rss.ts');

const dir = mkdtempSync(join(tmpdir(), 'valbench-bench-'));
const input = join(dir, `pairs.${format === 'parquet' ? 'parquet' : 'jsonl'}`);
if (format === 'parquet') await writeRealisticParquet(input, pairs);
else writeRealisticJsonl(input, pairs);
const inputBytes = statSync(input).size;
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});
// --via http: model and judge through the real OpenAI SDK to an OpenAI-compatible server
// (--server-url, or the valbench simulator as its own process), as a real evaluation runs.
const server =
  flags.get('via') === 'http'
    ? await benchServer({ externalUrl: flags.get('server-url') ?? null, latencyMs: 0, jitterMs: 0 })
    : null;
// The producer takes the endpoints only (it calls no model); the others the hints too.
const endpoints = server === null ? null : serverFlags(server);
const modelEndpoint = endpoints?.modelEndpoint ?? [];
const judgeEndpoint = endpoints?.judgeEndpoint ?? [];
const modelFlags = endpoints?.model ?? [];
const judgeFlags = endpoints?.judge ?? [];
const env = {
  ...process.env,
  KAFKA_BROKERS: connection.kafka.brokers.join(','),
  SCHEMA_REGISTRY_URL: connection.registry.url,
  LOG_LEVEL: 'info',
  NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${preload}`.trim(),
};

interface Proc {
  name: string;
  lines: string[];
  stop: () => void;
  exit: Promise<number | null>;
}

function start(name: string, args: string[]): Proc {
  const child = spawn(valbench, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let stopping = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (partial !== '') lines.push(partial);
      resolve(code);
    }),
  );
  void exit.then((code) => {
    if (!stopping && code !== 0) {
      console.error(`${name} exited with ${String(code)}:\n${lines.slice(-20).join('\n')}`);
      process.exit(1);
    }
  });
  return {
    name,
    lines,
    stop: () => {
      stopping = true;
      child.kill('SIGTERM');
    },
    exit,
  };
}

function peak(proc: Proc): number {
  const line = proc.lines.findLast((l) => l.includes('peakRssBytes'));
  return line === undefined
    ? Number.NaN
    : (JSON.parse(line) as { peakRssBytes: number }).peakRssBytes;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Each stage as its own process, all at once, until the aggregator counted every pair. */
async function stagesApart(): Promise<{ seconds: number; procs: Proc[] }> {
  const common = ['--topic-prefix', `bench.mem.${Date.now()}.`, '--partitions', '6'];
  const started = Date.now();
  const aggregator = start('aggregator', ['aggregate', '--metrics-port', '0', ...common]);
  const responder = start('responder', [
    'respond',
    ...modelFlags,
    '--concurrency',
    concurrency,
    '--metrics-port',
    'off',
    ...common,
  ]);
  const judge = start('judge', [
    'judge',
    ...judgeFlags,
    '--concurrency',
    concurrency,
    '--metrics-port',
    'off',
    ...common,
  ]);
  const producer = start('producer', [
    'produce',
    '--input',
    input,
    ...modelEndpoint,
    ...judgeEndpoint,
    ...common,
  ]);
  if ((await producer.exit) !== 0)
    throw new Error(`producer failed:\n${producer.lines.join('\n')}`);
  const runId = (
    JSON.parse(producer.lines.find((l) => l.startsWith('{"runId"')) ?? '{}') as { runId: string }
  ).runId;
  let running = aggregator.lines.find((l) => l.includes('aggregator running'));
  while (running === undefined) {
    await sleep(100);
    running = aggregator.lines.find((l) => l.includes('aggregator running'));
  }
  const url = (JSON.parse(running) as { url: string }).url;
  for (;;) {
    const body = (await (await fetch(`${url}/api/metrics`)).json()) as {
      runs: { runId: string; cumulative: { valid: number; invalid: number } }[];
    };
    const mine = body.runs.find((r) => r.runId === runId);
    if (mine !== undefined && mine.cumulative.valid + mine.cumulative.invalid >= pairs) break;
    await sleep(1000);
  }
  const seconds = (Date.now() - started) / 1000;
  for (const proc of [responder, judge, aggregator]) proc.stop();
  await Promise.all([responder.exit, judge.exit, aggregator.exit]);
  return { seconds, procs: [producer, responder, judge, aggregator] };
}

/** `valbench run` over the same file: every stage in one process, until every pair is judged. */
async function allInOne(): Promise<{ seconds: number; proc: Proc; judged: number }> {
  const started = Date.now();
  const run = start('run', [
    'run',
    '--input',
    input,
    ...modelFlags,
    ...judgeFlags,
    '--concurrency',
    concurrency,
    '--judge-concurrency',
    concurrency,
    '--topic-prefix',
    `bench.memrun.${Date.now()}.`,
    '--partitions',
    '6',
    '--report-dir',
    join(dir, 'report'),
    '--metrics-port',
    'off',
    '--timeout-seconds',
    '7200',
    '--no-progress',
  ]);
  if ((await run.exit) !== 0) throw new Error(`run failed:\n${run.lines.slice(-20).join('\n')}`);
  // The summary table's line `judged / dead-lettered  N / M`.
  const line = run.lines.find((l) => l.startsWith('judged / dead-lettered')) ?? '';
  const judged = Number(/(\d+) \/ \d+$/.exec(line)?.[1] ?? Number.NaN);
  return { seconds: (Date.now() - started) / 1000, proc: run, judged };
}

const apart = await stagesApart();
const together = await allInOne();
rmSync(dir, { recursive: true, force: true });
await server?.close();
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
const ratio = (bytes: number, limit: number): number => Math.round((bytes / limit) * 100) / 100;
const figures: Record<string, number> = {};
for (const proc of apart.procs) {
  figures[`${proc.name}PeakRssMiB`] = mib(peak(proc));
  figures[`${proc.name}RssOverLimit`] = ratio(peak(proc), limits.stage);
}
figures['runPeakRssMiB'] = mib(peak(together.proc));
figures['runRssOverLimit'] = ratio(peak(together.proc), limits.run);
console.log(
  JSON.stringify({
    bench: 'memory',
    pairs,
    format,
    inputMiB: mib(inputBytes),
    concurrency: Number(concurrency),
    model:
      server === null
        ? 'simulated in process, 0 ms latency'
        : `OpenAI SDK over HTTP to ${server.owned ? 'the valbench simulator as its own process' : server.url}, 0 ms latency`,
    stagesSeconds: apart.seconds,
    runSeconds: together.seconds,
    runJudged: together.judged,
    ...figures,
  }),
);
