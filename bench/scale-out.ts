/**
 * Scale-out: 1, 2 and 3 responder processes and as many judge processes, each in one consumer
 * group per stage (as on more machines), against a latency-bound OpenAI-compatible server: the
 * valbench SIMULATOR as its own process (or --server-url, one that is not part of the project),
 * with latency L and jitter, reached through the real OpenAI SDK. Each process has the same
 * concurrency; the topics have 6 partitions (split evenly by 1, 2 or 3 members). For each k the
 * pairs are k × `--pairs-per-process`, published by `valbench produce`, counted by one
 * `valbench aggregate`; the warmed-up rate is taken between 10% and 90% of the pairs counted.
 *
 *   node bench/scale-out.ts [--processes 1,2,3] [--latency-ms 500] [--jitter-ms 100]
 *     [--concurrency 16] [--pairs-per-process 640] [--server-url URL]
 *
 * Prints one JSON line per k (pairs per second), then one with the factors: rate(k) ÷ (k × rate(1)),
 * 1 being perfectly linear.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { spawnValbench, type CliProcess } from '../test/support/cli.ts';
import { writeRows } from './rows.ts';
import { benchServer, serverFlags } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const counts = (flags.get('processes') ?? '1,2,3').split(',').map(Number);
const latencyMs = Number(flags.get('latency-ms') ?? 500);
const jitterMs = Number(flags.get('jitter-ms') ?? 100);
const concurrency = Number(flags.get('concurrency') ?? 16);
const perProcess = Number(flags.get('pairs-per-process') ?? 640);
const server = await benchServer({
  externalUrl: flags.get('server-url') ?? null,
  latencyMs,
  jitterMs,
});
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});
const env: Record<string, string> = {
  KAFKA_BROKERS: connection.kafka.brokers.join(','),
  SCHEMA_REGISTRY_URL: connection.registry.url,
  LOG_LEVEL: 'info',
  OPENAI_API_KEY: 'unused',
};
const endpoints = serverFlags(server);

async function lineWith(proc: CliProcess, text: string): Promise<string> {
  for (;;) {
    const line = proc.lines.find((l) => l.includes(text));
    if (line !== undefined) return line;
    if (proc.child.exitCode !== null)
      throw new Error(`exited with ${String(proc.child.exitCode)}:\n${proc.text().slice(-2000)}`);
    await sleep(100);
  }
}

/** Pairs per second between 10% and 90% of the pairs counted, from the aggregator's counts. */
function warmRate(samples: readonly { atMs: number; counted: number }[], pairs: number): number {
  const first = samples.find((s) => s.counted >= pairs * 0.1);
  const last = samples.find((s) => s.counted >= pairs * 0.9);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return Number.NaN;
  return (last.counted - first.counted) / ((last.atMs - first.atMs) / 1000);
}

async function measure(k: number): Promise<number> {
  const pairs = k * perProcess;
  const dir = mkdtempSync(join(tmpdir(), 'valbench-scale-'));
  const input = join(dir, 'pairs.jsonl');
  writeRows(input, pairs);
  const common = ['--topic-prefix', `bench.scale.${Date.now()}.`, '--partitions', '6'];
  const started: CliProcess[] = [];
  const start = (args: string[]): CliProcess => {
    const proc = spawnValbench([...args, ...common], env);
    started.push(proc);
    return proc;
  };
  try {
    const aggregator = start(['aggregate', '--metrics-port', '0']);
    const url = (JSON.parse(await lineWith(aggregator, 'aggregator running')) as { url: string })
      .url;
    const members = [];
    for (let i = 0; i < k; i += 1) {
      members.push(
        start([
          'respond',
          ...endpoints.model,
          '--concurrency',
          String(concurrency),
          '--metrics-port',
          'off',
        ]),
        start([
          'judge',
          ...endpoints.judge,
          '--concurrency',
          String(concurrency),
          '--metrics-port',
          'off',
        ]),
      );
    }
    await Promise.all(members.map((m) => lineWith(m, 'running')));
    const producer = start([
      'produce',
      '--input',
      input,
      ...endpoints.modelEndpoint,
      ...endpoints.judgeEndpoint,
    ]);
    if ((await producer.exit) !== 0) throw new Error(`produce failed:\n${producer.text()}`);
    const runId = (
      JSON.parse(producer.lines.find((l) => l.startsWith('{"runId"')) ?? '{}') as { runId: string }
    ).runId;
    const samples: { atMs: number; counted: number }[] = [];
    for (;;) {
      const body = (await (await fetch(`${url}/api/metrics`)).json()) as {
        runs: { runId: string; cumulative: { valid: number; invalid: number } }[];
      };
      const mine = body.runs.find((r) => r.runId === runId);
      const counted = mine === undefined ? 0 : mine.cumulative.valid + mine.cumulative.invalid;
      samples.push({ atMs: Date.now(), counted });
      if (counted >= pairs) break;
      await sleep(200);
    }
    return warmRate(samples, pairs);
  } finally {
    for (const proc of started) proc.child.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exit));
  }
}

const rates = new Map<number, number>();
for (const k of counts) {
  const rate = await measure(k);
  rates.set(k, rate);
  console.log(
    JSON.stringify({
      bench: 'scale-out',
      processes: k,
      latencyMs,
      jitterMs,
      concurrency,
      pairs: k * perProcess,
      pairsPerSecond: Math.round(rate * 10) / 10,
      limitPairsPerSecond: (k * concurrency) / (latencyMs / 1000),
    }),
  );
}
await server.close();
const one = rates.get(1) ?? Number.NaN;
console.log(
  JSON.stringify({
    bench: 'scale-out-factors',
    factors: Object.fromEntries(
      [...rates].map(([k, rate]) => [k, Math.round((rate / (k * one)) * 1000) / 1000]),
    ),
  }),
);
