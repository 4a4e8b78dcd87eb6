import { ValbenchError } from '../lib/errors.ts';
import {
  evaluateGates,
  gateExitCode,
  type GateSpec,
  type PacSummary,
} from '../services/aggregator/gates.ts';
import { summarize, type Summary } from '../services/aggregator/metrics.ts';
import type { RunReader, RunSnapshot } from '../services/aggregator/read-run.ts';

/** The baseline run as the topics hold it; an error (exit 1) when it does not exist. */
export async function readBaselineRun(
  reader: RunReader,
  baselineRunId: string,
): Promise<RunSnapshot> {
  const snapshot = await reader.read(baselineRunId).catch((error: unknown) => {
    if (error instanceof ValbenchError && error.code === 'TOPIC_MISSING')
      throw new ValbenchError(
        'fatal',
        'BASELINE_NOT_FOUND',
        `baseline run ${baselineRunId}: ${error.message}`,
      );
    throw error;
  });
  if (snapshot.pairs.size === 0)
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_FOUND',
      `baseline run ${baselineRunId} does not exist: no prompt of it on ${reader.names.prompts}`,
    );
  return snapshot;
}

/**
 * The baseline's PAC by this judge: an error (exit 1), never a pass, when this judge gave the
 * baseline no valid judgment (the drop must compare the same judge).
 */
export function baselineSummary(baseline: RunSnapshot, judgeId: string): Summary {
  const judge = baseline.judges.get(judgeId);
  if (judge === undefined) {
    const others = [...baseline.judges.keys()];
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_JUDGED',
      `baseline run ${baseline.runId} was not judged by judge ${judgeId} (${others.length === 0 ? 'no judge has judged it' : `judged by ${others.join(', ')}`}): the drop must compare the same judge`,
    );
  }
  const summary = summarize(judge.metrics.overall);
  if (summary.valid === 0)
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_JUDGED',
      `baseline run ${baseline.runId} has no valid judgment by judge ${judgeId} (${summary.invalid} invalid): nothing to compare with`,
    );
  return summary;
}

/** Applies the gates, prints one reason line each, returns the exit code (0, or 3 on a failure). */
export function applyGates(
  spec: GateSpec,
  run: PacSummary,
  baseline: PacSummary | null,
  print: (line: string) => void,
): number {
  const outcomes = evaluateGates(spec, run, baseline);
  for (const outcome of outcomes) print(outcome.reason);
  return gateExitCode(outcomes);
}
