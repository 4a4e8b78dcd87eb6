/**
 * Where the CPU goes at zero simulated latency over HTTP: runs bench/throughput.ts (`valbench run`,
 * all stages in one process, through the real OpenAI SDK to the valbench SIMULATOR as its own
 * process) with V8's CPU profiler on both processes, reads the broker's and the registry's CPU
 * from /proc when the local stack runs here, and prints each one's CPU per pair and the pipeline
 * process's share by part: the model SDK and its HTTP client, the Avro codec and registry client,
 * the Kafka client, garbage collection, our own code, Node's internals, and idle.
 *
 * The pipeline's model call threads (--call-threads) are profiled too: its figures add up every
 * thread, and each thread's CPU per pair is printed apart.
 *
 *   node bench/cpu-profile.ts [--pairs 5000] [--concurrency 64] [--latency-ms 0]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../lib/config/args.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = flags.get('pairs') ?? '5000';
const concurrency = flags.get('concurrency') ?? '64';
const latencyMs = flags.get('latency-ms') ?? '0';
const root = join(import.meta.dirname, '..');
const pipelineDir = mkdtempSync(join(tmpdir(), 'valbench-prof-pipeline-'));
const simulatorDir = mkdtempSync(join(tmpdir(), 'valbench-prof-simulator-'));

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the program a frame belongs to. */
function partOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  const inPackage = (names: string[]): boolean =>
    names.some((name) => url.includes(`node_modules/${name}/`));
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (
    inPackage(['openai', '@anthropic-ai/sdk', 'undici']) ||
    url.includes('undici') ||
    url.includes('webstreams')
  )
    return 'model SDK and HTTP client';
  if (inPackage(['avsc', '@kafkajs/confluent-schema-registry']))
    return 'Avro codec and registry client';
  if (inPackage(['kafkajs'])) return 'Kafka client';
  if (inPackage(['prom-client'])) return 'metrics';
  if (url.startsWith('file://') && url.includes('/node_modules/')) return 'other packages';
  if (url.startsWith('file://')) return 'valbench code';
  if (url.startsWith('node:')) return 'Node internals (streams, sockets, timers)';
  return 'native (socket writes, buffers, JSON)';
}

/** Each thread's profile in a folder: the main thread's first, then the call threads'. */
function profiles(dir: string): Profile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no CPU profile in ${dir}`);
  return files.map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile);
}

/** Milliseconds of CPU by part (idle apart) in one thread's profile. */
function shares(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parts = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const part = partOf(node.callFrame);
    parts.set(part, (parts.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return parts;
}

/** The parts of several threads' profiles added up. */
function merged(parts: Map<string, number>[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const one of parts) for (const [part, ms] of one) sum.set(part, (sum.get(part) ?? 0) + ms);
  return sum;
}

/** utime + stime of a process, in seconds, from /proc (null when it is not on this machine). */
function cpuSeconds(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = readFileSync(pidFile, 'utf8').trim();
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return null;
  const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const stackDir = process.env['VALBENCH_STACK_DIR'] ?? join(root, '.stack');
const brokerBefore = cpuSeconds(join(stackDir, 'kafka.pid'));
const registryBefore = cpuSeconds(join(stackDir, 'registry.pid'));
const run = spawnSync(
  process.execPath,
  [
    // The launcher's V8 flags (bin/valbench), as a user's run has them.
    '--max-semi-space-size=8',
    '--max-old-space-size=1024',
    '--cpu-prof',
    '--cpu-prof-dir',
    pipelineDir,
    'bench/throughput.ts',
    '--via',
    'http',
    '--latency-ms',
    latencyMs,
    '--pairs',
    pairs,
    '--concurrency',
    concurrency,
    '--simulator-cpu-prof-dir',
    simulatorDir,
  ],
  { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
if (run.status !== 0) throw new Error(`bench/throughput.ts failed with exit ${String(run.status)}`);
const throughput = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') as {
  judged: number;
  pairsPerSecond: number;
};
const brokerAfter = cpuSeconds(join(stackDir, 'kafka.pid'));
const registryAfter = cpuSeconds(join(stackDir, 'registry.pid'));
const judged = throughput.judged;
const round = (n: number): number => Math.round(n * 1000) / 1000;
const threads = profiles(pipelineDir).map(shares);
const pipeline = merged(threads);
const simulator = merged(profiles(simulatorDir).map(shares));
const busy = (parts: Map<string, number>): number =>
  [...parts].filter(([part]) => part !== 'idle').reduce((sum, [, ms]) => sum + ms, 0);
const pipelineBusy = busy(pipeline);
console.log(
  JSON.stringify({
    bench: 'cpu-profile',
    pairs: judged,
    pairsPerSecond: throughput.pairsPerSecond,
    // The whole process's life (start-up and report included), per pair judged.
    cpuMsPerPair: {
      pipeline: round(pipelineBusy / judged),
      simulator: round(busy(simulator) / judged),
      ...(brokerBefore === null || brokerAfter === null
        ? {}
        : { broker: round(((brokerAfter - brokerBefore) * 1000) / judged) }),
      ...(registryBefore === null || registryAfter === null
        ? {}
        : { registry: round(((registryAfter - registryBefore) * 1000) / judged) }),
    },
    // The pipeline's main thread, then its model call threads (--call-threads).
    pipelineThreadsCpuMsPerPair: threads.map((parts) => round(busy(parts) / judged)),
    pipelineShares: Object.fromEntries(
      [...pipeline]
        .filter(([part]) => part !== 'idle')
        .sort((a, b) => b[1] - a[1])
        .map(([part, ms]) => [part, round(ms / pipelineBusy)]),
    ),
  }),
);
