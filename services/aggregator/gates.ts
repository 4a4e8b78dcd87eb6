import { ValbenchError } from '../../lib/errors.ts';
import type { Summary } from './metrics.ts';

/**
 * CI/CD gates on a run's PAC, as pure functions. Exit codes of the commands that apply them:
 * 0 every gate passed, 1 error, 3 a gate failed, 130 interrupted.
 *
 * - `--fail-under PAC`: fails when the run's PAC (percent, the point estimate) is below PAC.
 * - `--baseline RUN --max-drop P`: drop = baseline PAC - run PAC, in points, both judged by the
 *   same judge. Each PAC's standard error is read off its 95% interval (the wider half / 1.96,
 *   so an interval clipped at 0 or 100 does not shrink it), and the drop's 95% interval is
 *   drop ± 1.96 sqrt(se_run² + se_base²). The gate fails only when that whole interval lies above
 *   P (its low end > P): the drop exceeds P by more than the two runs' sampling noise. A drop
 *   above P that noise can explain passes, and the reason line says so.
 * A run with no valid judgment fails any gate (its PAC is undefined); a baseline with no valid
 * judgment by the judge is an error (BASELINE_NOT_JUDGED), never a pass.
 */

export const GATE_FAILED_EXIT_CODE = 3;

/** The gates asked for; null where not asked. */
export interface GateSpec {
  failUnder: number | null;
  baseline: { runId: string; maxDrop: number } | null;
}

export const noGates: GateSpec = { failUnder: null, baseline: null };

export function hasGates(spec: GateSpec): boolean {
  return spec.failUnder !== null || spec.baseline !== null;
}

export interface GateOutcome {
  gate: 'fail-under' | 'max-drop';
  passed: boolean;
  /** One line: the figures compared and the threshold. */
  reason: string;
}

/** The figures of one run and judge the gates read. */
export type PacSummary = Pick<Summary, 'valid' | 'invalid' | 'pac' | 'pacCiLow' | 'pacCiHigh'>;

const Z95 = 1.96;
const f2 = (x: number): string => x.toFixed(2);

/** The standard error of PAC (in points), from its 95% interval. */
export function pacStandardError(s: PacSummary): number {
  return Math.max(s.pacCiHigh - s.pac, s.pac - s.pacCiLow) / Z95;
}

/** The drop from baseline to run, in points, with its 95% interval. */
export function pacDrop(
  run: PacSummary,
  baseline: PacSummary,
): { drop: number; low: number; high: number } {
  const drop = baseline.pac - run.pac;
  const half = Z95 * Math.hypot(pacStandardError(run), pacStandardError(baseline));
  return { drop, low: drop - half, high: drop + half };
}

/** "PAC 71.25% (95% CI 65.10-77.40)", or why there is none. */
export function describePac(s: PacSummary): string {
  if (s.valid === 0) return `PAC undefined (no valid judgment, ${s.invalid} invalid)`;
  return `PAC ${f2(s.pac)}% (95% CI ${f2(s.pacCiLow)}-${f2(s.pacCiHigh)})`;
}

export function failUnderGate(run: PacSummary, threshold: number): GateOutcome {
  if (run.valid === 0)
    return {
      gate: 'fail-under',
      passed: false,
      reason: `gate --fail-under ${threshold} FAILED: the run has no valid judgment (${run.invalid} invalid), so it has no PAC`,
    };
  const passed = run.pac >= threshold;
  return {
    gate: 'fail-under',
    passed,
    reason: passed
      ? `gate --fail-under ${threshold} passed: ${describePac(run)} is not below ${threshold}`
      : `gate --fail-under ${threshold} FAILED: ${describePac(run)} is below ${threshold}`,
  };
}

export function maxDropGate(
  run: PacSummary,
  baseline: PacSummary,
  spec: { runId: string; maxDrop: number },
): GateOutcome {
  const name = `gate --baseline ${spec.runId} --max-drop ${spec.maxDrop}`;
  if (baseline.valid === 0)
    throw new ValbenchError(
      'fatal',
      'BASELINE_NOT_JUDGED',
      `baseline run ${spec.runId} has no valid judgment by this judge: nothing to compare with`,
    );
  if (run.valid === 0)
    return {
      gate: 'max-drop',
      passed: false,
      reason: `${name} FAILED: the run has no valid judgment (${run.invalid} invalid), so it has no PAC to compare with the baseline's ${f2(baseline.pac)}%`,
    };
  const { drop, low, high } = pacDrop(run, baseline);
  const figures = `PAC ${f2(baseline.pac)}% → ${f2(run.pac)}%, drop ${f2(drop)} points (95% CI ${f2(low)} to ${f2(high)})`;
  if (low > spec.maxDrop)
    return {
      gate: 'max-drop',
      passed: false,
      reason: `${name} FAILED: ${figures}: the whole interval is above ${spec.maxDrop}`,
    };
  const why =
    drop > spec.maxDrop
      ? `above ${spec.maxDrop} but within noise (the interval reaches ${f2(low)})`
      : `not above ${spec.maxDrop}`;
  return { gate: 'max-drop', passed: true, reason: `${name} passed: ${figures}: ${why}` };
}

/** Every gate of the spec, in flag order; `baseline` is required when the spec names one. */
export function evaluateGates(
  spec: GateSpec,
  run: PacSummary,
  baseline: PacSummary | null,
): GateOutcome[] {
  const outcomes: GateOutcome[] = [];
  if (spec.failUnder !== null) outcomes.push(failUnderGate(run, spec.failUnder));
  if (spec.baseline !== null) {
    if (baseline === null)
      throw new ValbenchError(
        'fatal',
        'BASELINE_NOT_JUDGED',
        `baseline run ${spec.baseline.runId} has no judgment by this judge: nothing to compare with`,
      );
    outcomes.push(maxDropGate(run, baseline, spec.baseline));
  }
  return outcomes;
}

/** The exit code for these outcomes: 3 when any gate failed, else 0. */
export function gateExitCode(outcomes: readonly GateOutcome[]): number {
  return outcomes.every((o) => o.passed) ? 0 : GATE_FAILED_EXIT_CODE;
}

/** The verdict of one run and judge: "PAC 71.25% (95% CI 65.10-77.40), REF 10.00%, ...". */
export function verdictLine(s: Summary): string {
  const rates = s.valid === 0 ? '' : `, REF ${f2(s.ref)}%, NINF ${f2(s.ninf)}%`;
  return `${describePac(s)}${rates}, valid ${s.valid} / invalid ${s.invalid}`;
}
