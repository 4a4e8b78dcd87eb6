import { Gauge, type Registry } from 'prom-client';
import type { JudgeConfig, Judgment } from '../../lib/records/types.gen.ts';
import { krippendorffAlpha, pairAgreement, type Alpha, type PairAgreement } from './agreement.ts';
import { adjustedScore, type ScoredJudgment } from './metrics.ts';
import { scored } from './state.ts';

/** Two judges of one run compared; `positionSwap` when one is the other with the pair reversed. */
export interface JudgePairView extends PairAgreement {
  judgeA: string;
  judgeB: string;
  positionSwap: boolean;
}

export interface RunAgreement {
  runId: string;
  pairs: JudgePairView[];
  /** Krippendorff's alpha (interval) over every judge of the run, when there are three or more. */
  alpha: Alpha | null;
}

/** The judge configuration less its pair order: a judge and its reversed twin share it. */
const orderless = (judge: JudgeConfig): string =>
  JSON.stringify({ ...judge, reversed: null }, Object.keys(judge).sort());

/** One judge of a run: its configuration and the refusal-adjusted score of each pair judged validly. */
export interface JudgeScores {
  judge: JudgeConfig;
  scores: ReadonlyMap<string, number>;
}

/**
 * The judges of one run compared (DESIGN section 1, judge reliability): each pair of judges over
 * the pairs both judged validly, marked as a position swap when one is the other reversed, and
 * Krippendorff's alpha over all of them when there are three or more. Shared by the live
 * aggregator and `valbench compare`.
 */
export function compareJudges(
  runId: string,
  judges: ReadonlyMap<string, JudgeScores>,
): RunAgreement {
  const ids = [...judges.keys()].sort();
  const pairs: JudgePairView[] = [];
  for (let a = 0; a < ids.length; a++)
    for (let b = a + 1; b < ids.length; b++) {
      const judgeA = ids[a] ?? '';
      const judgeB = ids[b] ?? '';
      const ja = judges.get(judgeA);
      const jb = judges.get(judgeB);
      if (ja === undefined || jb === undefined) continue;
      const both: [number, number][] = [];
      for (const [pair, score] of ja.scores) {
        const other = jb.scores.get(pair);
        if (other !== undefined) both.push([score, other]);
      }
      pairs.push({
        judgeA,
        judgeB,
        positionSwap: orderless(ja.judge) === orderless(jb.judge),
        ...pairAgreement(both),
      });
    }
  const alpha =
    ids.length >= 3
      ? krippendorffAlpha(
          [...new Set(ids.flatMap((id) => [...(judges.get(id)?.scores.keys() ?? [])]))].map(
            (pair) => ids.map((id) => judges.get(id)?.scores.get(pair) ?? null),
          ),
        )
      : null;
  return { runId, pairs, alpha };
}

/** A judgment's refusal-adjusted score, or null when it is not valid. */
export function adjustedScoreOf(j: ScoredJudgment): number | null {
  return j.valid && j.score !== null ? adjustedScore(j.score, j.refusal1, j.refusal2) : null;
}

/**
 * Per run, each judge's refusal-adjusted score of each pair it judged validly, so the judges of a
 * run are compared live. Memory: one number per pair and judge.
 */
export function createJudgeAgreement() {
  const runs = new Map<string, Map<string, { judge: JudgeConfig; scores: Map<string, number> }>>();
  return {
    /** Adds a judgment counted for the first time. */
    add(j: Judgment): void {
      const score = adjustedScoreOf(scored(j));
      if (score === null) return;
      let run = runs.get(j.runId);
      if (run === undefined) {
        run = new Map();
        runs.set(j.runId, run);
      }
      let judge = run.get(j.judgeId);
      if (judge === undefined) {
        judge = { judge: j.judge, scores: new Map() };
        run.set(j.judgeId, judge);
      }
      judge.scores.set(j.pairId, score);
    },
    /** Every run judged by two judges or more (of those `include` keeps), compared. */
    runs(include: (runId: string) => boolean = () => true): RunAgreement[] {
      return [...runs]
        .filter(([runId, judges]) => judges.size >= 2 && include(runId))
        .map(([runId, judges]) => compareJudges(runId, judges));
    },
  };
}

export type JudgeAgreement = ReturnType<typeof createJudgeAgreement>;

/** The agreement gauges, read at scrape time: per run and pair of judges, and alpha per run. */
export function registerAgreementMetrics(
  registry: Registry,
  agreement: JudgeAgreement,
  liveRuns: () => ReadonlySet<string> | null = () => null,
): void {
  // The runs still on /metrics, found once per scrape, before any comparison is made.
  const runs = (): RunAgreement[] => {
    const live = liveRuns();
    return agreement.runs((runId) => live === null || live.has(runId));
  };
  const labels = ['run', 'judge_a', 'judge_b', 'position_swap'] as const;
  const measures: [string, string, (p: PairAgreement) => number | null][] = [
    [
      'valbench_judge_agreement_kappa',
      "Cohen's kappa (quadratic weights) of two judges of a run on the refusal-adjusted scores.",
      (p) => p.kappa,
    ],
    [
      'valbench_judge_agreement_exact_ratio',
      'Share of the pairs both judges judged validly on which they gave the same score.',
      (p) => p.exactAgreement,
    ],
    [
      'valbench_judge_agreement_mean_abs_difference',
      'Mean absolute difference of the two judges’ refusal-adjusted scores (-2..2 scale).',
      (p) => p.meanAbsoluteDifference,
    ],
    [
      'valbench_judge_agreement_pairs',
      'Pairs both judges judged validly (what the agreement figures are over).',
      (p) => p.pairs,
    ],
  ];
  for (const [name, help, pick] of measures) {
    const g = new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        g.reset();
        for (const run of runs())
          for (const p of run.pairs) {
            const v = pick(p);
            if (v !== null)
              g.set(
                {
                  run: run.runId,
                  judge_a: p.judgeA,
                  judge_b: p.judgeB,
                  position_swap: String(p.positionSwap),
                },
                v,
              );
          }
      },
    });
  }
  const alpha = new Gauge({
    name: 'valbench_judge_agreement_alpha',
    help: "Krippendorff's alpha (interval metric) of the three or more judges of a run.",
    labelNames: ['run'],
    registers: [registry],
    collect() {
      alpha.reset();
      for (const run of runs())
        if (run.alpha?.alpha !== null && run.alpha?.alpha !== undefined)
          alpha.set({ run: run.runId }, run.alpha.alpha);
    },
  });
}
