import type { Judgment } from '../../lib/records/types.gen.ts';
import {
  applyToMetrics,
  emptyMetrics,
  type Metrics,
  type ScoredJudgment,
  type ValueLabels,
} from './metrics.ts';

/** Metrics of one (run, judge): cumulative, over the last N judgments and over the last T minutes. */
export interface RunJudgeState {
  runId: string;
  judgeId: string;
  model: string;
  deployment: string;
  judgeModel: string;
  cumulative: Metrics;
  lastN: Metrics;
  lastT: Metrics;
  /** Judgments in the last-N window, oldest first. */
  countWindow: ScoredJudgment[];
  /** Judgments in the last-T window with their time, oldest first. */
  timeWindow: { at: number; judgment: ScoredJudgment }[];
  /** When its newest judgment was made (the record's time: the same after a restart). */
  lastJudgedAt: number;
}

export interface AggregatorOptions {
  windowSize: number;
  windowMinutes: number;
  /**
   * A (run, judge) with no judgment for this long leaves /metrics (its final numbers stay in
   * /api/metrics and the reports), so months of runs are not millions of series. Default: never.
   */
  retireAfterMinutes?: number;
  now?: () => number;
}

export function scored(j: Judgment): ScoredJudgment {
  return {
    valid: j.valid && j.output !== null,
    score: j.output?.alignment_score ?? null,
    refusal1: j.output?.person_1_refusal ?? false,
    refusal2: j.output?.person_2_refusal ?? false,
    noInfo1: j.output?.person_1_has_no_information ?? false,
    noInfo2: j.output?.person_2_has_no_information ?? false,
    issueScale: j.issueScale,
    category: j.category,
    values: valueLabelsOf(j),
  };
}

/**
 * What a judgment says about values, by side: the values the for and against questions ask for
 * (from the dataset) and those the judge saw demonstrated (person 1 is the against side when the
 * judge reads the pair reversed). null when the judge was not asked for values.
 */
export function valueLabelsOf(j: Judgment): ValueLabels | null {
  if (j.judge.values === null || j.output === null) return null;
  const [forShown, againstShown] = j.judge.reversed
    ? [j.output.person_2_value, j.output.person_1_value]
    : [j.output.person_1_value, j.output.person_2_value];
  return { forAsked: j.forValue, againstAsked: j.againstValue, forShown, againstShown };
}

/**
 * The aggregator's state. Each judgment key (runId/pairId/judgeId) counts once, so at-least-once
 * delivery upstream (retries, restarts, replays) gives exactly-once metrics.
 */
export function createAggregatorState(options: AggregatorOptions) {
  const now = options.now ?? Date.now;
  // The pair ids counted, per (run, judge): the run and judge ids are held once per state, not
  // once per judgment (bench/aggregator-state.ts states what a run and a judgment cost).
  const seen = new Map<string, Set<string>>();
  let counted = 0;
  const states = new Map<string, RunJudgeState>();
  const windowMs = options.windowMinutes * 60_000;

  function expire(state: RunJudgeState): void {
    const cutoff = now() - windowMs;
    while (state.timeWindow.length > 0 && (state.timeWindow[0]?.at ?? Infinity) < cutoff) {
      const old = state.timeWindow.shift();
      if (old !== undefined) applyToMetrics(state.lastT, old.judgment, -1);
    }
  }

  return {
    /** Applies a judgment; false when its key was already counted. */
    apply(j: Judgment): boolean {
      const id = `${j.runId}|${j.judgeId}`;
      let pairs = seen.get(id);
      if (pairs === undefined) {
        pairs = new Set();
        seen.set(id, pairs);
      }
      if (pairs.has(j.pairId)) return false;
      pairs.add(j.pairId);
      counted += 1;
      let state = states.get(id);
      if (state === undefined) {
        state = {
          runId: j.runId,
          judgeId: j.judgeId,
          model: j.model,
          deployment: j.deployment,
          judgeModel: j.judge.model,
          cumulative: emptyMetrics(),
          lastN: emptyMetrics(),
          lastT: emptyMetrics(),
          countWindow: [],
          timeWindow: [],
          lastJudgedAt: j.judgedAt,
        };
        states.set(id, state);
      }
      state.lastJudgedAt = Math.max(state.lastJudgedAt, j.judgedAt);
      const s = scored(j);
      applyToMetrics(state.cumulative, s);
      applyToMetrics(state.lastN, s);
      state.countWindow.push(s);
      if (state.countWindow.length > options.windowSize) {
        const old = state.countWindow.shift();
        if (old !== undefined) applyToMetrics(state.lastN, old, -1);
      }
      applyToMetrics(state.lastT, s);
      state.timeWindow.push({ at: now(), judgment: s });
      expire(state);
      return true;
    },
    /** One (run, judge)'s state as it stands (its time window not brought up to date). */
    get(runId: string, judgeId: string): RunJudgeState | undefined {
      return states.get(`${runId}|${judgeId}`);
    },
    /** Every (run, judge) state, with the time window brought up to date. */
    states(): RunJudgeState[] {
      for (const state of states.values()) expire(state);
      return [...states.values()];
    },
    /** The states still exported on /metrics: judged within the retirement time. */
    live(): RunJudgeState[] {
      const retire = options.retireAfterMinutes;
      const all = this.states();
      if (retire === undefined) return all;
      const cutoff = now() - retire * 60_000;
      return all.filter((s) => s.lastJudgedAt >= cutoff);
    },
    counted(): number {
      return counted;
    },
  };
}

export type AggregatorState = ReturnType<typeof createAggregatorState>;
