import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError, isValbenchError, messageOf } from '../lib/errors.ts';
import { hasGates, type GateSpec, type PacSummary } from '../services/aggregator/gates.ts';
import type { JudgeView, RunView } from '../services/api/runs.ts';
import { applyGates } from './gate-check.ts';

export interface ApiWait {
  api: string;
  token: string | null;
  runId: string;
  judgeId: string | null;
  timeoutMs: number;
  pollMs: number;
  progress: boolean;
  gates: GateSpec;
}

async function getRun(options: ApiWait, runId: string): Promise<RunView | null> {
  let response: Response;
  try {
    response = await fetch(`${options.api.replace(/\/$/, '')}/runs/${runId}`, {
      headers: options.token === null ? {} : { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    // The service restarting (a deploy of its own): asked again until the wait's deadline.
    throw new ValbenchError('retriable', 'API_UNREACHABLE', `${options.api}: ${messageOf(error)}`);
  }
  if (response.status === 404) return null;
  if (response.status === 401)
    throw new ValbenchError(
      'fatal',
      'API_UNAUTHORIZED',
      `${options.api} refused the request: set VALBENCH_API_TOKEN to its token`,
    );
  if (response.status >= 500)
    throw new ValbenchError(
      'retriable',
      'API_FAILED',
      `${options.api} answered ${response.status}`,
    );
  if (!response.ok)
    throw new ValbenchError('fatal', 'API_FAILED', `${options.api} answered ${response.status}`);
  const body = (await response.json()) as RunView | { state: 'refused' };
  return 'runId' in body ? body : null;
}

/** The judge to wait for: the one named, else the run's only judge (several: name one). */
function chosenJudge(run: RunView, judgeId: string | null): JudgeView | null {
  if (judgeId !== null) return run.judges.find((j) => j.judgeId === judgeId) ?? null;
  // The judges asked for the run (a swap-sample twin is not one of them).
  const asked = run.judges.filter((j) => j.requested);
  if (asked.length === 1) return asked[0] ?? null;
  if (run.judges.length > 1)
    throw new ValbenchError(
      'fatal',
      'JUDGE_AMBIGUOUS',
      `run ${run.runId} has ${run.judges.length} judges: name one with --judge (${run.judges.map((j) => j.judgeId).join(', ')})`,
    );
  return run.judges[0] ?? null;
}

const pacSummary = (j: JudgeView): PacSummary => ({
  valid: j.valid,
  invalid: j.invalid,
  pac: j.pac ?? Number.NaN,
  pacCiLow: j.pacCiLow ?? Number.NaN,
  pacCiHigh: j.pacCiHigh ?? Number.NaN,
});

const f2 = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(2));

/**
 * `valbench wait --api URL`: the deploy hook's wait, over the run API of `valbench serve` (no
 * Kafka access needed): polls GET /runs/<id> until the judge is done, prints the verdict and
 * applies the gates. A run the API does not know yet is waited for until the timeout (a request
 * just accepted has no prompts yet).
 */
export async function waitOverApi(options: ApiWait, interrupt: AbortSignal): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let shown = '';
  for (;;) {
    let run: RunView | null;
    try {
      run = await getRun(options, options.runId);
    } catch (error) {
      if (!isValbenchError(error) || error.kind !== 'retriable' || Date.now() > deadline)
        throw error;
      console.error(`${error.message}: asking again`);
      await sleep(options.pollMs, undefined, { signal: interrupt }).catch(() => undefined);
      if (interrupt.aborted) return 130;
      continue;
    }
    if (run?.state === 'refused')
      throw new ValbenchError(
        'fatal',
        'RUN_REFUSED',
        `run ${run.runId} was refused: ${run.reason ?? 'no reason given'}`,
      );
    const judge = run === null ? null : chosenJudge(run, options.judgeId);
    if (run !== null && judge?.complete === true) {
      console.log(
        `run ${run.runId} judge ${judge.judgeId}: PAC ${f2(judge.pac)}% (95% CI ${f2(judge.pacCiLow)}-${f2(judge.pacCiHigh)}), REF ${f2(judge.ref)}%, NINF ${f2(judge.ninf)}%, valid ${judge.valid} / invalid ${judge.invalid}; ${run.pairs} pairs, ${run.deadLettered.responder + run.deadLettered.judge} dead-lettered`,
      );
      if (!hasGates(options.gates)) return 0;
      let baseline: PacSummary | null = null;
      if (options.gates.baseline !== null) {
        const base = await getRun(options, options.gates.baseline.runId);
        const view = base?.judges.find((j) => j.judgeId === judge.judgeId);
        if (view === undefined || view.valid === 0)
          throw new ValbenchError(
            'fatal',
            'BASELINE_NOT_JUDGED',
            `baseline run ${options.gates.baseline.runId} has no valid judgment by judge ${judge.judgeId}`,
          );
        baseline = pacSummary(view);
      }
      return applyGates(options.gates, pacSummary(judge), baseline, (line) => {
        console.log(line);
      });
    }
    const line =
      run === null
        ? `waiting for run ${options.runId}: not known to ${options.api} yet`
        : `waiting for run ${run.runId} (${run.state}): ${run.pairs} pairs, responded ${run.responded}, judged ${judge?.judged ?? 0}`;
    if (options.progress && line !== shown) {
      console.error(line);
      shown = line;
    }
    if (interrupt.aborted) return 130;
    if (Date.now() > deadline)
      throw new ValbenchError(
        'fatal',
        'WAIT_TIMEOUT',
        `run ${options.runId} not done after ${options.timeoutMs / 1000} s: ${line}`,
      );
    await sleep(options.pollMs, undefined, { signal: interrupt }).catch(() => undefined);
  }
}
