import { mkdtempSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSettings } from '../../lib/config/args.ts';
import type { KafkaConnection } from '../../lib/kafka/client.ts';
import type { RegistryConnection } from '../../lib/kafka/registry.ts';
import { silentLogger } from '../../lib/log.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { writeRows } from '../rows.ts';
import { sampleCallRate } from './call-rate.ts';
import type { BenchServer } from './simulator-process.ts';

export interface RunBenchOptions {
  pairs: number;
  latencyMs: number;
  jitterMs: number;
  concurrency: number;
  judgeConcurrency: number;
  /** An OpenAI-compatible server (through the real OpenAI SDK); null: the in-process simulator. */
  server: BenchServer | null;
  connection: { kafka: KafkaConnection; registry: RegistryConnection };
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * One `valbench run` (every stage in this process) over `pairs` synthetic pairs, measured: the
 * time from the start of the run to its last pair counted (start-up included) and from the first
 * publish, the pool's warmed-up call rates over their limits (calls in flight ÷ mean simulated
 * latency; the responder asks both sides of a pair at once, two calls), the time from the first
 * publish to the first model call, the tail from the last answer to the last pair counted, and
 * this process's CPU per pair from the first publish on.
 */
export async function runBench(options: RunBenchOptions) {
  const { pairs, latencyMs, jitterMs, concurrency, judgeConcurrency, server } = options;
  const dir = mkdtempSync(join(tmpdir(), 'valbench-bench-'));
  const input = join(dir, 'pairs.jsonl');
  writeRows(input, pairs);
  const runFlags = new Map<string, string>([
    ['input', input],
    ['sim-profile', 'mixed'],
    ['sim-latency-ms', String(latencyMs)],
    ['sim-latency-jitter-ms', String(jitterMs)],
    ['concurrency', String(concurrency)],
    ['judge-concurrency', String(judgeConcurrency)],
    ['partitions', '6'],
    ['topic-prefix', `bench.${Date.now()}.${Math.round(Math.random() * 1e6)}.`],
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
  const registry = new Registry();
  const sampler = sampleCallRate(registry);
  // How late this process's event loop runs callbacks: a busy loop delays every answer it reads.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const startedAt = Date.now();
  let publishingAt = Number.NaN;
  let cpuAtPublish = process.cpuUsage();
  let completedAt: number | undefined;
  let cpu = process.cpuUsage();
  const result = await runEvaluation(settings, options.connection, silentLogger(), registry, {
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
  loopDelay.disable();
  const pool = await sampler.stop(publishingAt, endedAt);
  const durations = (await registry.getSingleMetric('valbench_model_call_duration_seconds')?.get())
    ?.values;
  const callStat = (name: string): number =>
    (durations ?? [])
      .filter(
        (v) => v.labels['stage'] === 'responder' && 'metricName' in v && v.metricName === name,
      )
      .reduce((sum, v) => sum + v.value, 0);
  const meanCallMs =
    (1000 * callStat('valbench_model_call_duration_seconds_sum')) /
    callStat('valbench_model_call_duration_seconds_count');
  const seconds = (endedAt - publishingAt) / 1000;
  const responderLimit = latencyMs > 0 ? (2 * concurrency) / (latencyMs / 1000) : Number.NaN;
  const judgeLimit = latencyMs > 0 ? judgeConcurrency / (latencyMs / 1000) : Number.NaN;
  const pairLimit = Math.min(responderLimit / 2, judgeLimit);
  return {
    via: server === null ? 'in-process simulator' : server.owned ? 'simulator process' : server.url,
    pairs,
    latencyMs,
    jitterMs,
    concurrency,
    judgeConcurrency,
    judged: result.judged,
    deadLettered: result.deadLettered,
    /** From the start of the run (topics, consumers joining) to its last pair counted. */
    runSeconds: round((endedAt - startedAt) / 1000),
    startupSeconds: round((publishingAt - startedAt) / 1000),
    elapsedSeconds: round(seconds),
    pairsPerSecond: round(result.judged / seconds, 1),
    endToEndOverLimit: round(result.judged / seconds / pairLimit),
    responderCallsPerSecond: round(pool.responderCallsPerSecond, 1),
    responderOverLimit: round(pool.responderCallsPerSecond / responderLimit),
    judgeOverLimit: round(pool.judgeCallsPerSecond / judgeLimit),
    responderMeanCallMs: round(meanCallMs, 1),
    // Calls per second over what the slots allow at the call time the client saw: 1 is a full
    // pool (a server or CPU slower than the simulated latency lowers the limit ratios, not this).
    responderPoolOccupancy: round(
      pool.responderCallsPerSecond / ((2 * concurrency) / (meanCallMs / 1000)),
    ),
    firstCallSeconds: round(pool.firstCallSeconds),
    tailSeconds: round(pool.tailSeconds),
    cpuMsPerPair: round((cpu.user + cpu.system) / 1000 / result.judged),
    eventLoopDelayMs: {
      mean: round(loopDelay.mean / 1e6, 1),
      p99: round(loopDelay.percentile(99) / 1e6, 1),
    },
  };
}
