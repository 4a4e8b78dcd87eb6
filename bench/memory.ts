/**
 * Peak memory of each stage as its own `valbench` process over one run of N pairs (default
 * 10,000), the model and judge SIMULATED in process with zero latency. Each process is started
 * with bench/peak-rss.ts preloaded, which prints its peak RSS when it exits.
 *
 *   node bench/memory.ts --pairs 10000
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { writeRows } from './rows.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 10_000);
const cli = join(import.meta.dirname, '..', 'cli', 'main.ts');
const preload = join(import.meta.dirname, 'peak-rss.ts');

const dir = mkdtempSync(join(tmpdir(), 'valbench-bench-'));
const input = join(dir, 'pairs.jsonl');
writeRows(input, pairs);
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});
const env = {
  ...process.env,
  KAFKA_BROKERS: connection.kafka.brokers.join(','),
  SCHEMA_REGISTRY_URL: connection.registry.url,
  LOG_LEVEL: 'info',
};
const common = ['--topic-prefix', `bench.mem.${Date.now()}.`, '--partitions', '6'];

interface Proc {
  name: string;
  lines: string[];
  stop: () => void;
  exit: Promise<number | null>;
}

function start(name: string, args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', preload, cli, ...args, ...common], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let stopping = false;
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
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

const started = Date.now();
const aggregator = start('aggregator', ['aggregate', '--metrics-port', '0']);
const responder = start('responder', ['respond', '--concurrency', '64', '--metrics-port', 'off']);
const judge = start('judge', ['judge', '--concurrency', '64', '--metrics-port', 'off']);
const producer = start('producer', ['produce', '--input', input]);
if ((await producer.exit) !== 0) throw new Error(`producer failed:\n${producer.lines.join('\n')}`);
const runId = (
  JSON.parse(producer.lines.find((l) => l.startsWith('{"runId"')) ?? '{}') as { runId: string }
).runId;

let running = aggregator.lines.find((l) => l.includes('aggregator running'));
while (running === undefined) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  running = aggregator.lines.find((l) => l.includes('aggregator running'));
}
const url = (JSON.parse(running) as { url: string }).url;
for (;;) {
  const body = (await (await fetch(`${url}/api/metrics`)).json()) as {
    runs: { runId: string; cumulative: { valid: number; invalid: number } }[];
  };
  const mine = body.runs.find((r) => r.runId === runId);
  if (mine !== undefined && mine.cumulative.valid + mine.cumulative.invalid >= pairs) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const elapsedSeconds = (Date.now() - started) / 1000;
for (const proc of [responder, judge, aggregator]) proc.stop();
await Promise.all([responder.exit, judge.exit, aggregator.exit]);
const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
console.log(
  JSON.stringify({
    bench: 'memory',
    pairs,
    elapsedSeconds,
    peakRssMiB: Object.fromEntries(
      [producer, responder, judge, aggregator].map((p) => [p.name, mib(peak(p))]),
    ),
  }),
);
