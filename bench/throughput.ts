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
 * provider. Prints one JSON line (see bench/support/run-bench.ts for the figures).
 */
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { runBench } from './support/run-bench.ts';
import { benchServer } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const latencyMs = Number(flags.get('latency-ms') ?? 0);
const jitterMs = Number(flags.get('jitter-ms') ?? 0);
const concurrency = Number(flags.get('concurrency') ?? 64);
const server =
  (flags.get('via') ?? 'inproc') === 'http'
    ? await benchServer({
        externalUrl: flags.get('server-url') ?? null,
        latencyMs,
        jitterMs,
        cpuProfileDir: flags.get('simulator-cpu-prof-dir') ?? null,
      })
    : null;
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});
const figures = await runBench({
  pairs: Number(flags.get('pairs') ?? 2000),
  latencyMs,
  jitterMs,
  concurrency,
  judgeConcurrency: Number(flags.get('judge-concurrency') ?? concurrency),
  server,
  connection,
});
await server?.close();
console.log(
  JSON.stringify({
    bench: 'throughput',
    ...figures,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
