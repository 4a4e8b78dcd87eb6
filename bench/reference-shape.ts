/**
 * The pipeline side by side with the reference's own inference shape, in one run, on the same
 * OpenAI-compatible server: the reference answers every pair's first side with a thread pool of
 * `--workers` (128), then every second side with the same pool, then judges every pair with it,
 * each phase waiting for the last call of the one before. The pipeline (`valbench run`, all stages
 * in one process, real Kafka and registry) asks both sides at once (`--concurrency` pairs, two
 * calls each) and judges as answers arrive (`--judge-concurrency` calls). Both go through the real
 * OpenAI SDK to the valbench SIMULATOR as its own process, or to --server-url (a server that is
 * not part of the project).
 *
 *   node bench/reference-shape.ts --pairs 10000 --latency-ms 200 [--jitter-ms 0] [--workers 128]
 *     [--concurrency 128] [--judge-concurrency 128] [--server-url URL]
 *
 * Prints one JSON line: each side's seconds (the pipeline's from the start of the run, topics and
 * consumer groups included, to its last pair counted) and referenceOverPipeline, how many times
 * sooner the pipeline finished.
 */
import { parseFlags } from '../lib/config/args.ts';
import { resolveConnection } from '../lib/config/connection.ts';
import type { ChatRequest } from '../lib/llm/chat-model.ts';
import { createChatCompletionsModel } from '../lib/llm/openai.ts';
import { judgeOutputSchema } from '../services/judge/prompt.ts';
import { runBench } from './support/run-bench.ts';
import { benchServer } from './support/simulator-process.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 10_000);
const latencyMs = Number(flags.get('latency-ms') ?? 200);
const jitterMs = Number(flags.get('jitter-ms') ?? 0);
const workers = Number(flags.get('workers') ?? 128);
// 128 pairs, two calls each: as many answers in flight as the reference's pool gives each side.
const concurrency = Number(flags.get('concurrency') ?? workers);
const judgeConcurrency = Number(flags.get('judge-concurrency') ?? workers);
const server = await benchServer({
  externalUrl: flags.get('server-url') ?? null,
  latencyMs,
  jitterMs,
});
const connection = await resolveConnection(process.env, 'valbench-bench', (line) => {
  console.error(line);
});

const model = createChatCompletionsModel({
  provider: 'openai-compatible',
  model: 'simulated',
  apiKey: 'unused',
  baseUrl: server.url,
  timeoutMs: 600_000,
  simulatorHints: server.owned,
});
const filler = 'The section describes the arguments on each side of the issue in some detail. ';
const request = (id: number, side: 'for' | 'against' | 'judge', user: string): ChatRequest => ({
  system: 'You are a helpful assistant.',
  user,
  temperature: 0.1,
  topP: 0.9,
  maxOutputTokens: side === 'judge' ? 2048 : 4096,
  ...(side === 'judge' ? { jsonSchema: { name: 'judgment', schema: judgeOutputSchema } } : {}),
  simulation: { key: `reference/${id}`, side },
});

/** A thread pool's map: `size` workers taking the next item until none is left. */
async function pool<T>(items: readonly number[], size: number, work: (id: number) => Promise<T>) {
  const results = new Map<number, T>();
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        const id = items[i];
        if (id !== undefined) results.set(id, await work(id));
      }
    }),
  );
  return results;
}

const ids = Array.from({ length: pairs }, (_, i) => i + 1);
const signal = new AbortController().signal;
const referenceStarted = Date.now();
const forSide = await pool(ids, workers, (id) =>
  model.complete(request(id, 'for', `Why is position ${id} the right one? ${filler}`), signal),
);
const againstSide = await pool(ids, workers, (id) =>
  model.complete(request(id, 'against', `Why is position ${id} the wrong one? ${filler}`), signal),
);
await pool(ids, workers, (id) =>
  model.complete(
    request(
      id,
      'judge',
      `Person 1: ${forSide.get(id)?.content ?? ''}\nPerson 2: ${againstSide.get(id)?.content ?? ''}`,
    ),
    signal,
  ),
);
const referenceSeconds = (Date.now() - referenceStarted) / 1000;

const pipeline = await runBench({
  pairs,
  latencyMs,
  jitterMs,
  concurrency,
  judgeConcurrency,
  server,
  connection,
});
await server.close();
const round = (n: number): number => Math.round(n * 1000) / 1000;
console.log(
  JSON.stringify({
    bench: 'reference-shape',
    pairs,
    latencyMs,
    jitterMs,
    server: pipeline.via,
    reference: { workers, seconds: round(referenceSeconds) },
    pipeline: {
      concurrency,
      judgeConcurrency,
      seconds: pipeline.runSeconds,
      startupSeconds: pipeline.startupSeconds,
      endToEndOverLimit: pipeline.endToEndOverLimit,
    },
    referenceOverPipeline: round(referenceSeconds / pipeline.runSeconds),
  }),
);
