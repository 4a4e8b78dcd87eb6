import type { Settings } from '../lib/config/args.ts';
import type { GateSpec } from '../services/aggregator/gates.ts';

export const gateUsage = `gates     --fail-under PAC (0..100: exit 3 when the run's PAC is below it)
            --baseline RUN --max-drop POINTS (exit 3 when PAC dropped from the baseline run's,
            same judge, by more than POINTS beyond noise: the drop's 95% interval,
            drop ± 1.96 sqrt(se_run² + se_baseline²), lies wholly above POINTS)
            exit codes: 0 passed, 1 error, 3 a gate failed, 130 interrupted`;

/** A run id as it appears in record keys: no '/' (the key separator), no spaces. */
export function checkRunId(s: Settings, flag: string, runId: string): void {
  if (!/^[\w.:-]+$/.test(runId))
    s.problems.push(`${flag}=${runId}: not a run id (like run-0123456789abcdef)`);
}

/** The gate flags, validated with the command's other flags (exit 1 before any topic is read). */
export function readGates(s: Settings): GateSpec {
  const failUnder =
    s.optionalString('fail-under') === null
      ? null
      : s.number('fail-under', 0, { min: 0, max: 100 });
  const baseline = s.optionalString('baseline');
  const maxDropGiven = s.optionalString('max-drop') !== null;
  const maxDrop = s.number('max-drop', 0, { min: 0, max: 100 });
  if (baseline !== null) checkRunId(s, '--baseline', baseline);
  if (maxDropGiven && baseline === null)
    s.problems.push('--max-drop needs --baseline RUN: the run whose PAC the drop is measured from');
  if (baseline !== null && !maxDropGiven)
    s.problems.push('--baseline needs --max-drop POINTS: how far PAC may drop from it');
  return {
    failUnder,
    baseline: baseline === null || !maxDropGiven ? null : { runId: baseline, maxDrop },
  };
}
