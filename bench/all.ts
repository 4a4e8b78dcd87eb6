/**
 * Runs every performance benchmark once, each as its own process, on this machine and the stack
 * from KAFKA_BROKERS/SCHEMA_REGISTRY_URL (else the local stack), keeps their JSON lines with the
 * machine and date in bench/results.json, and regenerates the README's performance table from
 * them (between the `bench:start` and `bench:end` markers).
 *
 *   node bench/all.ts                  run them all (about 15 minutes on 2 cores)
 *   node bench/all.ts --only saturation,scale-out   run some, keep the others' last figures
 *   node bench/all.ts --readme-only    rewrite the README from bench/results.json
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { parseFlags } from '../lib/config/args.ts';
import { renderTable, type Results } from './support/readme-table.ts';

const root = join(import.meta.dirname, '..');
const resultsFile = join(import.meta.dirname, 'results.json');
const readmeFile = join(root, 'README.md');

const launcherFlags = ['--max-semi-space-size=8', '--max-old-space-size=1024'];

/** The end-to-end check: 10,000 pairs at 200 ms over HTTP, with C pairs in flight. */
const endToEndAt200ms = (concurrency: number): string[] => [
  'bench/throughput.ts',
  '--pairs',
  '10000',
  '--latency-ms',
  '200',
  '--concurrency',
  String(concurrency),
  '--via',
  'http',
];

/** Each benchmark and the arguments whose figures the README shows. */
const benches: Record<string, string[]> = {
  'throughput-inproc': ['bench/throughput.ts', '--pairs', '10000', '--latency-ms', '0'],
  'throughput-http': [
    'bench/throughput.ts',
    '--pairs',
    '5000',
    '--latency-ms',
    '0',
    '--via',
    'http',
  ],
  'latency-200-c32': endToEndAt200ms(32),
  'latency-200-c64': endToEndAt200ms(64),
  saturation: ['bench/saturation.ts'],
  'reference-shape': [
    'bench/reference-shape.ts',
    '--pairs',
    '10000',
    '--latency-ms',
    '200',
    '--concurrency',
    '128',
  ],
  'scale-out': ['bench/scale-out.ts'],
  memory: ['bench/memory.ts', '--pairs', '115000'],
  'memory-http': ['bench/memory.ts', '--pairs', '115000', '--via', 'http'],
};

const { flags } = parseFlags(process.argv.slice(2), new Set(['readme-only']));
const previous: Results = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Results)
  : { machine: '', date: '', benches: {} };
let results = previous;
if (flags.get('readme-only') !== 'true') {
  const only = flags.get('only')?.split(',') ?? Object.keys(benches);
  const unknown = only.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}: one of ${Object.keys(benches).join(', ')}`,
    );
    process.exit(1);
  }
  const cpu = cpus();
  results = {
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    date: new Date().toISOString().slice(0, 10),
    benches: { ...previous.benches },
  };
  for (const name of only) {
    const args = benches[name] ?? [];
    console.error(`bench ${name}: node ${args.join(' ')}`);
    // The V8 flags bin/valbench starts every valbench process with: the figures are the user's.
    const run = spawnSync(process.execPath, [...launcherFlags, ...args], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (run.status !== 0) {
      console.error(`bench ${name} failed with exit ${String(run.status)}`);
      process.exit(1);
    }
    const lines = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) console.log(JSON.stringify(line));
    results.benches[name] = { command: `node ${args.join(' ')}`, lines };
    writeFileSync(
      resultsFile,
      await format(JSON.stringify(results), {
        ...(await resolveConfig(resultsFile)),
        filepath: resultsFile,
      }),
    );
  }
}
const readme = readFileSync(readmeFile, 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) {
  console.error(`README.md has no ${start} … ${end} section`);
  process.exit(1);
}
const rewritten = `${readme.slice(0, from + start.length)}\n${renderTable(results)}\n${readme.slice(to)}`;
// Written as the project's formatter writes it (the tests check the README's format).
writeFileSync(
  readmeFile,
  await format(rewritten, { ...(await resolveConfig(readmeFile)), filepath: readmeFile }),
);
console.error('README.md performance table regenerated');
