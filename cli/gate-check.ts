import { ValbenchError } from '../lib/errors.ts';
import {
  evaluateGates,
  gateExitCode,
  type GateSpec,
  type PacSummary,
} from '../services/aggregator/gates.ts';
import { summarize, type Summary } from '../services/aggregator/metrics.ts';
import type { RunReader } from '../services/aggregator/read-run.ts';

/**
 * The baseline run's PAC by this judge, read from the topics; an error (exit 1), never a pass,
 * when the baseline does not exist or this judge gave it no valid judgment.
 */
export async function readBaseline(
  reader: RunReader,
  baselineRunId: string,
  judgeId: string,
): Promise<Summary> {
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
  const judge = snapshot.judges.get(judgeId);
  if (judge === undefined) {
    const others = [...snapshot.judges.keys()];
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_JUDGED',
      `baseline run ${baselineRunId} was not judged by judge ${judgeId} (${others.length === 0 ? 'no judge has judged it' : `judged by ${others.join(', ')}`}): the drop must compare the same judge`,
    );
  }
  const summary = summarize(judge.metrics.overall);
  if (summary.valid === 0)
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_JUDGED',
      `baseline run ${baselineRunId} has no valid judgment by judge ${judgeId} (${summary.invalid} invalid): nothing to compare with`,
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
