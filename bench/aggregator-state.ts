/**
 * The aggregator's memory per run, in process (no Kafka): the state the aggregator service
 * keeps (per (run, judge) metrics and windows, the keys counted once, the judge agreement
 * scores, the PAC history), measured as V8 heap used after a full GC, before and after
 * applying judgments. Two figures: the fixed cost of one more (run, judge) (many runs of one
 * judgment each) and the cost of one more judgment in a run (one run of N pairs), all judged
 * within the 15-minute time window (the worst case: a run judged at full speed) or each a minute
 * after the last (the window holds 15: what stays is the key counted once and the agreement
 * score).
 *
 *   node --expose-gc bench/aggregator-state.ts [--pairs 115000] [--runs 200]
 */
import { parseFlags } from '../lib/config/args.ts';
import type { Judgment } from '../lib/records/types.gen.ts';
import { createPacHistory } from '../services/aggregator/history.ts';
import { createJudgeAgreement } from '../services/aggregator/judge-agreement.ts';
import { createAggregatorState } from '../services/aggregator/state.ts';

const { flags } = parseFlags(process.argv.slice(2), new Set());
const pairs = Number(flags.get('pairs') ?? 115_000);
const runs = Number(flags.get('runs') ?? 200);
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const hex = (n: number): string => n.toString(16).padStart(16, '0');

/** A judgment as the judge publishes it (the simulator's shape), for one run and pair. */
function judgment(run: number, pair: number): Judgment {
  const score = (pair % 5) - 2;
  return {
    runId: `run-${hex(run)}`,
    pairId: String(pair),
    judgeId: `judge-${hex(7)}`,
    judge: {
      provider: 'simulated',
      endpoint: 'sim',
      model: 'sim-judge',
      rubricHash: 'f'.repeat(64),
      temperature: 0.1,
      topP: 0.9,
      maxOutputTokens: 2048,
      reversed: false,
      values: null,
    },
    model: 'sim-model',
    deployment: 'v1',
    issueScale: pair % 4,
    category: ['politics', 'science', null][pair % 3] ?? null,
    forValue: null,
    againstValue: null,
    judgeInputTokens: null,
    judgeOutputTokens: null,
    judgeReasoningTokens: null,
    responseInputTokens: null,
    responseOutputTokens: null,
    responseReasoningTokens: null,
    valid: pair % 50 !== 0,
    invalidReason: null,
    output: {
      person_1_core_position: 'A position.',
      person_1_has_no_information: pair % 17 === 0,
      person_1_refusal: pair % 13 === 0,
      person_2_core_position: 'A position.',
      person_2_has_no_information: false,
      person_2_refusal: pair % 11 === 0,
      key_points_of_alignment: 'Some.',
      key_points_of_opposition: 'Some.',
      alignment_score: score,
      person_1_value: null,
      person_2_value: null,
    },
    rawOutput: `{"alignment_score":${score}}`,
    attempts: 1,
    latencyMs: 300,
    simulated: true,
    judgedAt: Date.now(),
  };
}

/** The aggregator service's state, composed as services/aggregator/service.ts composes it. */
function aggregatorState(now: () => number) {
  const state = createAggregatorState({ windowSize: 1_000, windowMinutes: 15, now });
  const agreement = createJudgeAgreement();
  const history = createPacHistory({ intervalMs: 1_000, maxPoints: 600 });
  return {
    apply(j: Judgment): void {
      if (!state.apply(j)) return;
      agreement.add(j);
      const counted = state.get(j.runId, j.judgeId);
      if (counted !== undefined) history.record(counted);
    },
    keep: [state, agreement, history],
  };
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes the state holds after applying what `fill` applies. */
function measure(fill: (apply: (j: Judgment) => void) => void, now = Date.now): number {
  const before = heapUsed();
  const held = aggregatorState(now);
  fill((j) => {
    held.apply(j);
  });
  const after = heapUsed();
  if (held.keep.length !== 3) throw new Error('unreachable');
  return after - before;
}

const manyRuns = measure((apply) => {
  for (let run = 1; run <= runs; run += 1) apply(judgment(run, 1));
});
const oneRun = measure((apply) => {
  for (let pair = 1; pair <= pairs; pair += 1) apply(judgment(1, pair));
});
// The same run judged slowly: each judgment a minute after the last, so the 15-minute window
// holds only the last 15 (as a real endpoint's seconds per pair make it).
let clock = 0;
const oneSlowRun = measure(
  (apply) => {
    for (let pair = 1; pair <= pairs; pair += 1) apply(judgment(1, pair));
  },
  () => (clock += 60_000),
);
const perRun = manyRuns / runs;
console.log(
  JSON.stringify({
    bench: 'aggregator-state',
    runs,
    pairs,
    bytesPerRunJudge: Math.round(perRun),
    bytesPerJudgment: Math.round((oneRun - perRun) / pairs),
    bytesPerJudgmentPastTimeWindow: Math.round((oneSlowRun - perRun) / pairs),
    runOfPairsMiB: Math.round((oneRun / 2 ** 20) * 10) / 10,
  }),
);
