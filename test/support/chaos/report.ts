import type { FaultKind } from './faults.ts';

/** The figures of one fault (one JSON line of the chaos benchmark). */
export interface FaultFigures {
  fault: FaultKind;
  injected: boolean;
  note: string;
  /** Seconds from the start of the run to the injection. */
  atSeconds: number | null;
  /** Distinct pairs judged when the fault was injected. */
  judgedAtFault: number | null;
  lost: number;
  doubleCounted: number;
  extraModelCalls: number;
  extraJudgeCalls: number;
  bound: { modelCalls: number; judgeCalls: number };
  recoverySeconds: number | null;
  /** The fault's extra calls died down before the next fault (its window holds them all). */
  settled: boolean;
  /** Stage exits the fault did not ask for (each restarted, as compose would). */
  unexpectedExits: string[];
  pass: boolean;
}

/** The run's figures (the last JSON line). */
export interface ChaosSummary {
  bench: 'chaos';
  pairs: number;
  latencyMs: number;
  jitterMs: number;
  concurrency: number;
  partitions: number;
  responders: number;
  seed: number;
  faults: FaultKind[];
  runId: string;
  elapsedSeconds: number;
  /** Every pair counted and every group drained before the stall limit or deadline. */
  complete: boolean;
  counted: number;
  lost: number;
  /** Lost pairs no fault window accounts for. */
  lostUnattributed: number;
  doubleCounted: number;
  wrongJudgments: number;
  undecodableJudgments: number;
  metricsEqual: boolean;
  modelCalls: number;
  judgeCalls: number;
  extraModelCalls: number;
  extraJudgeCalls: number;
  /** Extra calls before the first fault: none is the sign that the attribution is sound. */
  extraBeforeFaults: { modelCalls: number; judgeCalls: number };
  /** The call logs saw exactly the requests the simulators counted. */
  callLogsMatch: boolean;
  deadLetters: number;
  unexpectedExits: number;
  /** Exit codes of the stages after SIGTERM at the end (0: drained cleanly; 'hung': killed). */
  stopCodes: (number | null | 'hung')[];
  pass: boolean;
}

export interface ChaosReport {
  faults: FaultFigures[];
  summary: ChaosSummary;
}

const columns: [string, (f: FaultFigures) => string][] = [
  ['fault', (f) => f.fault],
  ['at s', (f) => (f.atSeconds === null ? '-' : f.atSeconds.toFixed(1))],
  ['judged', (f) => String(f.judgedAtFault ?? '-')],
  ['lost', (f) => String(f.lost)],
  ['double', (f) => String(f.doubleCounted)],
  ['extra model', (f) => `${f.extraModelCalls} (≤${f.bound.modelCalls})`],
  ['extra judge', (f) => `${f.extraJudgeCalls} (≤${f.bound.judgeCalls})`],
  ['recover s', (f) => (f.recoverySeconds === null ? 'never' : f.recoverySeconds.toFixed(1))],
  ['pass', (f) => (f.pass ? 'yes' : 'NO')],
  ['note', (f) => f.note],
];

/** The per-fault figures as a plain-text table, for people. */
export function faultTable(report: ChaosReport): string {
  const rows = [
    columns.map(([name]) => name),
    ...report.faults.map((f) => columns.map(([, cell]) => cell(f))),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const s = report.summary;
  return [
    ...rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')),
    `run: ${s.pairs} pairs, counted ${s.counted}, lost ${s.lost}, double counted ${s.doubleCounted}, metrics ${s.metricsEqual ? 'equal to' : 'DIFFERENT from'} the ground truth, extra calls model ${s.extraModelCalls} judge ${s.extraJudgeCalls}, ${s.elapsedSeconds.toFixed(0)} s: ${s.pass ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}
