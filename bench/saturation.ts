/**
 * Is the pool kept full? For each concurrency C, one `valbench run` (all stages in one process)
 * against the valbench SIMULATOR as its own process (or --server-url, an OpenAI-compatible server
 * that is not part of the project) with latency L and jitter (uniform, L ± L/2), through the real
 * OpenAI SDK. L grows with C (L = max(200 ms, C × 10 ms)) so C/L stays within what this machine's
 * CPU can carry (about 100 pairs a second) and the pool, not the CPU, is what is measured.
 *
 * The judge has 0.8 × C calls, so the responder's C pairs in flight answer more pairs than it can
 * judge and it always has pairs waiting: with as many calls as the responder has pairs, the judge
 * could go no faster than the responder's answers reach it, and its ratio would measure the
 * responder's pace, not whether its own pool stays full.
 *
 *   node bench/saturation.ts [--concurrency 16,64,256,512] [--seconds 25] [--server-url URL]
 *
 * Prints one JSON line per C (responderOverLimit: warmed-up responder calls per second ÷ 2C/L;
 * judgeOverLimit: judge calls per second ÷ its calls in flight ÷ L), then a summary line with the
 * lowest ratios.
 */
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import { runBench } from './support/run-bench.ts';
import { benchServer } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const levels = (flags.get('concurrency') ?? '16,64,256,512').split(',').map(Number);
const seconds = Number(flags.get('seconds') ?? 25);
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});
const lines = [];
for (const concurrency of levels) {
  const latencyMs = Math.max(200, concurrency * 10);
  const jitterMs = latencyMs / 2;
  const server = await benchServer({
    externalUrl: flags.get('server-url') ?? null,
    latencyMs,
    jitterMs,
  });
  const figures = await runBench({
    pairs: Math.round((seconds * concurrency) / (latencyMs / 1000)),
    latencyMs,
    jitterMs,
    concurrency,
    judgeConcurrency: Math.round(0.8 * concurrency),
    server,
    connection,
  });
  await server.close();
  const line = { bench: 'saturation', ...figures };
  lines.push(line);
  console.log(JSON.stringify(line));
}
console.log(
  JSON.stringify({
    bench: 'saturation-summary',
    concurrency: levels,
    minResponderOverLimit: Math.min(...lines.map((l) => l.responderOverLimit)),
    minJudgeOverLimit: Math.min(...lines.map((l) => l.judgeOverLimit)),
    maxFirstCallSeconds: Math.max(...lines.map((l) => l.firstCallSeconds)),
  }),
);
