import { setTimeout as sleep } from 'node:timers/promises';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { readPipeline } from '../../lib/config/sections.ts';
import { describeConnectivity } from '../../lib/kafka/connectivity.ts';
import { ValbenchError } from '../../lib/errors.ts';
import { hasGates, verdictLine, type GateSpec } from '../../services/aggregator/gates.ts';
import { emptyTally, summarize } from '../../services/aggregator/metrics.ts';
import type { RunReader, RunSnapshot } from '../../services/aggregator/read-run.ts';
import { openRunReader } from '../../services/aggregator/read-run.ts';
import { gateUsage, readGates } from '../gate-config.ts';
import { applyGates, baselineSummary, readBaselineRun } from '../gate-check.ts';
import { readRunTarget, splitRunArgument } from '../run-target.ts';
import { waitOverApi } from '../wait-api.ts';
import { registerSecret } from '../../lib/secrets.ts';
import { interruptOnSignal } from '../interrupt.ts';

export const waitUsage = `usage: valbench wait <run> [options]     (or --run ID)
  waits until every pair of the run (its prompts on the prompts topic) is judged by the judge or
  dead-lettered, polling the topics; prints the verdict (PAC with its 95% interval, REF, NINF,
  valid / invalid) and applies the gates. Start it once the run's prompts are published (after
  \`valbench produce\`, or once a run request was answered): it counts the prompts it sees.
  --judge ID              the judge to wait for (default: the run's judge when exactly one has
                          judged it; several: error listing them; none yet: keep waiting)
  --api URL               ask a valbench serve run API (GET URL/runs/<id>) instead of reading
                          the topics: no Kafka access needed (VALBENCH_API_TOKEN when it asks)
  --timeout-seconds 3600  then exit 1 saying how many pairs are missing
  --poll-seconds 2        --no-progress   --topic-prefix valbench.
  ${gateUsage}
  exit 1 when the run has no prompt on the prompts topic (no such run)`;

interface WaitOptions {
  runId: string;
  judgeId: string | null;
  timeoutMs: number;
  pollMs: number;
  progress: boolean;
  gates: GateSpec;
}

/** `valbench wait <run>`: block until the run is judged, print its verdict, apply the gates. */
export async function waitCommand(args: readonly string[]): Promise<number> {
  const { positional, rest } = splitRunArgument(args);
  const { settings: s, env, help } = readCommand(rest, ['no-progress'], process.env);
  if (help) {
    console.log(waitUsage);
    return 0;
  }
  const options: WaitOptions = {
    runId: readRunTarget(s, positional),
    judgeId: s.optionalString('judge'),
    timeoutMs: s.number('timeout-seconds', 3600, { min: 1 }) * 1000,
    pollMs: s.number('poll-seconds', 2, { min: 0.1 }) * 1000,
    progress: !s.boolean('no-progress', false),
    gates: readGates(s),
  };
  const api = s.optionalString('api');
  const { topicPrefix } = readPipeline(s);
  finishSettings(s);

  const interrupt = interruptOnSignal((signal) => `${signal}: stopping the wait`);
  try {
    if (api !== null) {
      const token = env['VALBENCH_API_TOKEN'] ?? null;
      registerSecret(token);
      return await waitOverApi({ ...options, api, token }, interrupt.signal);
    }
    const connection = await resolveConnection(env, 'valbench-wait', (line) => {
      console.error(line);
    });
    const reader = await openRunReader(connection, topicPrefix, (event) => {
      console.error(describeConnectivity(event));
    });
    try {
      return await waitAndJudge(reader, options, interrupt.signal);
    } finally {
      await reader.close();
    }
  } finally {
    interrupt.release();
  }
}

async function waitAndJudge(
  reader: RunReader,
  options: WaitOptions,
  interrupt: AbortSignal,
): Promise<number> {
  // The baseline is read first: one that does not exist (or, with --judge, was not judged by
  // that judge) is an error before any waiting.
  const spec = options.gates.baseline;
  const baselineRun = spec === null ? null : await readBaselineRun(reader, spec.runId);
  if (baselineRun !== null && options.judgeId !== null)
    baselineSummary(baselineRun, options.judgeId);
  const done = await waitUntilJudged(reader, options, interrupt);
  if (done === null) return 130;
  const { snapshot, judgeId } = done;
  const judge = snapshot.judges.get(judgeId);
  const summary = summarize(judge?.metrics.overall ?? emptyTally());
  console.log(
    `run ${options.runId} judge ${judgeId}: ${verdictLine(summary)}; ${snapshot.pairs.size} pairs, ${judge?.judged.size ?? 0} judged, ${snapshot.deadLettered.size} dead-lettered`,
  );
  if (!hasGates(options.gates)) return 0;
  const baseline = baselineRun === null ? null : baselineSummary(baselineRun, judgeId);
  return applyGates(options.gates, summary, baseline, (line) => {
    console.log(line);
  });
}

/** Polls until every pair is judged by the judge or dead-lettered; null when interrupted. */
async function waitUntilJudged(
  reader: RunReader,
  options: WaitOptions,
  interrupt: AbortSignal,
): Promise<{ snapshot: RunSnapshot; judgeId: string } | null> {
  const { runId } = options;
  const deadline = Date.now() + options.timeoutMs;
  let judgeId = options.judgeId;
  let shown = '';
  let shownAt = 0;
  for (;;) {
    const snapshot = await reader.read(runId, {
      ...(judgeId === null ? {} : { judgeId }),
      timeoutMs: Math.max(30_000, deadline - Date.now()),
    });
    if (snapshot.pairs.size === 0)
      throw new ValbenchError(
        'fatal',
        'RUN_NOT_FOUND',
        `run ${runId} does not exist: no prompt of it on ${reader.names.prompts}`,
      );
    judgeId ??= soleJudge(snapshot);
    const missing = missingPairs(snapshot, judgeId);
    // A line when the figures move, and one every 30 s while they do not (a CI log stays short).
    const line = progressLine(snapshot, judgeId, missing.length);
    if (options.progress && (line !== shown || Date.now() - shownAt > 30_000)) {
      console.error(line);
      shown = line;
      shownAt = Date.now();
    }
    if (judgeId !== null && missing.length === 0) return { snapshot, judgeId };
    if (interrupt.aborted) return null;
    if (Date.now() > deadline)
      throw new ValbenchError(
        'fatal',
        'WAIT_TIMEOUT',
        `run ${runId}: ${missing.length} of ${snapshot.pairs.size} pairs not yet judged by ${judgeId ?? 'any judge'} nor dead-lettered after ${options.timeoutMs / 1000} s (first missing: ${missing.slice(0, 5).join(', ')})`,
      );
    await sleep(options.pollMs, undefined, { signal: interrupt }).catch(() => undefined);
    if (interrupt.aborted) return null;
  }
}

/** The run's only judge; an error when several judged it (the user must pick); null when none yet. */
function soleJudge(snapshot: RunSnapshot): string | null {
  const judges = [...snapshot.judges.keys()];
  if (judges.length > 1)
    throw new ValbenchError(
      'fatal',
      'JUDGE_AMBIGUOUS',
      `run ${snapshot.runId} was judged by ${judges.length} judges: name one with --judge (${judges.join(', ')})`,
    );
  return judges[0] ?? null;
}

/** Pairs neither judged by the judge nor dead-lettered (all of them while no judge is known). */
function missingPairs(snapshot: RunSnapshot, judgeId: string | null): string[] {
  const judged = judgeId === null ? undefined : snapshot.judges.get(judgeId)?.judged;
  return [...snapshot.pairs].filter(
    (pair) => judged?.has(pair) !== true && !snapshot.deadLettered.has(pair),
  );
}

function progressLine(snapshot: RunSnapshot, judgeId: string | null, missing: number): string {
  const total = snapshot.pairs.size;
  const judged = judgeId === null ? 0 : (snapshot.judges.get(judgeId)?.judged.size ?? 0);
  const who = judgeId ?? 'no judge yet';
  return `waiting for run ${snapshot.runId} (${who}): judged ${judged}/${total}, dead-lettered ${snapshot.deadLettered.size}, missing ${missing}`;
}
