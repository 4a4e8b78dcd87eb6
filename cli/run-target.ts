import type { Settings } from '../lib/config/args.ts';
import { checkRunId } from './gate-config.ts';

/**
 * Splits off the run a command is about when it comes first (`valbench wait <run> ...`), so the
 * flag parser sees only flags; `--run ID` says the same.
 */
export function splitRunArgument(args: readonly string[]): {
  positional: string | null;
  rest: readonly string[];
} {
  const [first, ...rest] = args;
  if (first === undefined || first.startsWith('--')) return { positional: null, rest: args };
  return { positional: first, rest };
}

/** The run id from `<run>` or `--run ID`; a problem when neither or two different ones. */
export function readRunTarget(s: Settings, positional: string | null): string {
  const flag = s.optionalString('run');
  if (positional !== null && flag !== null && positional !== flag)
    s.problems.push(`two runs given (${positional} and --run ${flag}): name one`);
  const runId = positional ?? flag;
  if (runId === null) {
    s.problems.push('the run is required: valbench <command> <run> (or --run ID)');
    return '';
  }
  checkRunId(s, positional === null ? '--run' : 'run', runId);
  return runId;
}
