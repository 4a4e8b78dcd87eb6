import { Gauge, type Registry } from 'prom-client';
import type { Judgment } from '../../lib/records/types.gen.ts';
import { krippendorffAlpha, pairAgreement, type Alpha, type PairAgreement } from './agreement.ts';
import { adjustedScore } from './metrics.ts';

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
const orderless = (j: Judgment): string =>
  JSON.stringify({ ...j.judge, reversed: null }, Object.keys(j.judge).sort());

/**
 * Per run, each judge's refusal-adjusted score of each pair it judged validly, so the judges of a
 * run are compared over the pairs both judged (DESIGN section 1, judge reliability). Memory: one
 * number per pair and judge of the runs with two judges or more worth comparing.
 */
export function createJudgeAgreement() {
  const scores = new Map<string, Map<string, Map<string, number>>>();
  const twins = new Map<string, string>();
  return {
    /** Adds a judgment counted for the first time. */
    add(j: Judgment): void {
      twins.set(j.judgeId, `${orderless(j)}|${String(j.judge.reversed)}`);
      if (!j.valid || j.output === null) return;
      let run = scores.get(j.runId);
      if (run === undefined) {
        run = new Map();
        scores.set(j.runId, run);
      }
      let judge = run.get(j.judgeId);
      if (judge === undefined) {
        judge = new Map();
        run.set(j.judgeId, judge);
      }
      judge.set(
        j.pairId,
        adjustedScore(
          j.output.alignment_score,
          j.output.person_1_refusal,
          j.output.person_2_refusal,
        ),
      );
    },
    /** Every run judged by two judges or more, each pair of judges compared. */
    runs(): RunAgreement[] {
      const out: RunAgreement[] = [];
      for (const [runId, judges] of scores) {
        const ids = [...judges.keys()].sort();
        if (ids.length < 2) continue;
        const pairs: JudgePairView[] = [];
        for (let a = 0; a < ids.length; a++)
          for (let b = a + 1; b < ids.length; b++) {
            const judgeA = ids[a] ?? '';
            const judgeB = ids[b] ?? '';
            const sa = judges.get(judgeA) ?? new Map<string, number>();
            const sb = judges.get(judgeB) ?? new Map<string, number>();
            const both: [number, number][] = [];
            for (const [pair, score] of sa) {
              const other = sb.get(pair);
              if (other !== undefined) both.push([score, other]);
            }
            const ta = twins.get(judgeA)?.split('|')[0];
            const tb = twins.get(judgeB)?.split('|')[0];
            pairs.push({
              judgeA,
              judgeB,
              positionSwap: ta !== undefined && ta === tb,
              ...pairAgreement(both),
            });
          }
        const alpha =
          ids.length >= 3
            ? krippendorffAlpha(
                [...new Set(ids.flatMap((id) => [...(judges.get(id)?.keys() ?? [])]))].map((pair) =>
                  ids.map((id) => judges.get(id)?.get(pair) ?? null),
                ),
              )
            : null;
        out.push({ runId, pairs, alpha });
      }
      return out;
    },
  };
}

export type JudgeAgreement = ReturnType<typeof createJudgeAgreement>;

/** The agreement gauges, read at scrape time: per run and pair of judges, and alpha per run. */
export function registerAgreementMetrics(registry: Registry, agreement: JudgeAgreement): void {
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
        for (const run of agreement.runs())
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
      for (const run of agreement.runs())
        if (run.alpha?.alpha !== null && run.alpha?.alpha !== undefined)
          alpha.set({ run: run.runId }, run.alpha.alpha);
    },
  });
}
