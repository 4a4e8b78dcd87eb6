/**
 * End-to-end throughput of `valbench run` (all stages in one process, real Kafka and registry
 * from KAFKA_BROKERS/SCHEMA_REGISTRY_URL or the local stack), the model and judge SIMULATED.
 *
 *   node bench/throughput.ts --pairs 2000 --latency-ms 0 --concurrency 64 [--via http]
 *
 * --via http puts the simulator server behind the real OpenAI SDK (chat completions) for both
 * model and judge; the default is the in-process simulated provider. Prints one JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSettings, parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { silentLogger } from '../lib/log.ts';
import { startSimulatorServer } from '../lib/simulator/server.ts';
import { noFaults } from '../lib/simulator/model.ts';
import { runEvaluation } from '../cli/evaluate.ts';
import { readRunSettings } from '../cli/run-config.ts';
import { writeRows } from './rows.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 2000);
const latencyMs = Number(flags.get('latency-ms') ?? 0);
const concurrency = Number(flags.get('concurrency') ?? 64);
const via = flags.get('via') ?? 'inproc';

const dir = mkdtempSync(join(tmpdir(), 'valbench-bench-'));
const input = join(dir, 'pairs.jsonl');
writeRows(input, pairs);
const server =
  via === 'http'
    ? await startSimulatorServer({
        profile: 'mixed',
        seed: 1,
        latency: { kind: 'fixed', ms: latencyMs },
        faults: noFaults,
      })
    : null;
const runFlags = new Map<string, string>([
  ['input', input],
  ['sim-profile', 'mixed'],
  ['sim-latency-ms', String(latencyMs)],
  ['concurrency', String(concurrency)],
  ['judge-concurrency', String(concurrency)],
  ['partitions', '6'],
  ['topic-prefix', `bench.${Date.now()}.`],
  ['report-dir', dir],
  ['metrics-port', 'off'],
  ['timeout-seconds', '3600'],
]);
if (server !== null) {
  for (const prefix of ['', 'judge-']) {
    runFlags.set(`${prefix}provider`, 'openai-compatible');
    runFlags.set(`${prefix}base-url`, `${server.url}/v1`);
    runFlags.set(`${prefix}simulator-hints`, 'true');
  }
}
const env = process.env;
const settings = readRunSettings(createSettings(runFlags, env), env);
const connection = await resolveConnection(env, 'valbench-bench', (line) => {
  console.error(line);
});
const result = await runEvaluation(settings, connection, silentLogger(), new Registry());
await server?.close();
console.log(
  JSON.stringify({
    bench: 'throughput',
    via,
    pairs,
    latencyMs,
    concurrency,
    judged: result.judged,
    deadLettered: result.deadLettered,
    elapsedSeconds: result.elapsedMs / 1000,
    pairsPerSecond: Math.round((result.judged / result.elapsedMs) * 1000 * 10) / 10,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
