/**
 * End-to-end throughput of `valbench run` (all stages in one process, real Kafka and registry
 * from KAFKA_BROKERS/SCHEMA_REGISTRY_URL or the local stack), the model and judge SIMULATED.
 *
 *   node bench/throughput.ts --pairs 2000 --latency-ms 0 --concurrency 64 [--via http]
 *     [--jitter-ms 0] [--judge-concurrency C] [--server-url URL]
 *
 * --via http sends model and judge calls through the real OpenAI SDK (chat completions) to an
 * OpenAI-compatible server: `--server-url` (one that is not part of the project), else the
 * valbench simulator started as its own process. The default is the in-process simulated
 * provider. Prints one JSON line: pairs per second from the first publish to the last judgment,
 * the pool's warmed-up call rate over its limit (in flight ÷ mean latency), the time to the first
 * call and the tail, the CPU this process used per pair, and its peak RSS.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSettings, parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { silentLogger } from '../lib/log.ts';
import { runEvaluation } from '../cli/evaluate.ts';
import { readRunSettings } from '../cli/run-config.ts';
import { writeRows } from './rows.ts';
import { sampleCallRate } from './support/call-rate.ts';
import { benchServer } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 2000);
const latencyMs = Number(flags.get('latency-ms') ?? 0);
const jitterMs = Number(flags.get('jitter-ms') ?? 0);
const concurrency = Number(flags.get('concurrency') ?? 64);
const judgeConcurrency = Number(flags.get('judge-concurrency') ?? concurrency);
const via = flags.get('via') ?? 'inproc';

const dir = mkdtempSync(join(tmpdir(), 'valbench-bench-'));
const input = join(dir, 'pairs.jsonl');
writeRows(input, pairs);
const server =
  via === 'http'
    ? await benchServer({ externalUrl: flags.get('server-url') ?? null, latencyMs, jitterMs })
    : null;
const runFlags = new Map<string, string>([
  ['input', input],
  ['sim-profile', 'mixed'],
  ['sim-latency-ms', String(latencyMs)],
  ['sim-latency-jitter-ms', String(jitterMs)],
  ['concurrency', String(concurrency)],
  ['judge-concurrency', String(judgeConcurrency)],
  ['partitions', '6'],
  ['topic-prefix', `bench.${Date.now()}.`],
  ['report-dir', dir],
  ['metrics-port', 'off'],
  ['timeout-seconds', '3600'],
]);
if (server !== null) {
  for (const prefix of ['', 'judge-']) {
    runFlags.set(`${prefix}provider`, 'openai-compatible');
    runFlags.set(`${prefix}base-url`, server.url);
    if (server.owned) runFlags.set(`${prefix}simulator-hints`, 'true');
  }
}
const env = process.env;
const settings = readRunSettings(createSettings(runFlags, env), env);
const connection = await resolveConnection(env, 'valbench-bench', (line) => {
  console.error(line);
});
const registry = new Registry();
const sampler = sampleCallRate(registry);
let publishingAt = Number.NaN;
let cpuAtPublish = process.cpuUsage();
let completedAt: number | undefined;
let cpu = process.cpuUsage();
const result = await runEvaluation(settings, connection, silentLogger(), registry, {
  onPublishing: () => {
    publishingAt = Date.now();
    cpuAtPublish = process.cpuUsage();
  },
  onProgress: (p) => {
    if (completedAt === undefined && p.judged + p.deadLettered >= p.pairs) {
      completedAt = Date.now();
      cpu = process.cpuUsage(cpuAtPublish);
    }
  },
});
// The run ends when its last pair is counted; draining, committing and the report come after.
const endedAt = completedAt ?? Date.now();
const pool = await sampler.stop(publishingAt, endedAt);
await server?.close();
const durations = (await registry.getSingleMetric('valbench_model_call_duration_seconds')?.get())
  ?.values;
const callStat = (stage: string, name: string): number =>
  (durations ?? [])
    .filter((v) => v.labels['stage'] === stage && 'metricName' in v && v.metricName === name)
    .reduce((sum, v) => sum + v.value, 0);
const meanCallMs =
  (1000 * callStat('responder', 'valbench_model_call_duration_seconds_sum')) /
  callStat('responder', 'valbench_model_call_duration_seconds_count');
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (endedAt - publishingAt) / 1000;
// The pool's own limit: calls in flight over the mean simulated latency (two calls per pair).
const responderLimit = latencyMs > 0 ? (2 * concurrency) / (latencyMs / 1000) : Number.NaN;
const judgeLimit = latencyMs > 0 ? judgeConcurrency / (latencyMs / 1000) : Number.NaN;
const pairLimit = Math.min(responderLimit / 2, judgeLimit);
console.log(
  JSON.stringify({
    bench: 'throughput',
    via,
    server:
      server === null ? 'in-process simulator' : server.owned ? 'simulator process' : server.url,
    pairs,
    latencyMs,
    jitterMs,
    concurrency,
    judgeConcurrency,
    judged: result.judged,
    deadLettered: result.deadLettered,
    elapsedSeconds: round(seconds),
    pairsPerSecond: round(result.judged / seconds, 1),
    endToEndOverLimit: round(result.judged / seconds / pairLimit),
    responderCallsPerSecond: round(pool.responderCallsPerSecond, 1),
    responderOverLimit: round(pool.responderCallsPerSecond / responderLimit),
    judgeOverLimit: round(pool.judgeCallsPerSecond / judgeLimit),
    responderMeanCallMs: round(meanCallMs, 1),
    // Calls per second over what the slots allow at the call time the client saw: 1 is a full pool
    // (a server or CPU slower than the simulated latency lowers the limit ratios, not this one).
    responderPoolOccupancy: round(
      pool.responderCallsPerSecond / ((2 * concurrency) / (meanCallMs / 1000)),
    ),
    firstCallSeconds: round(pool.firstCallSeconds),
    tailSeconds: round(pool.tailSeconds),
    cpuMsPerPair: round((cpu.user + cpu.system) / 1000 / result.judged),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
