import { Gauge, type Registry } from 'prom-client';
import type { Metrics } from './metrics.ts';
import type { AggregatorState, RunJudgeState } from './state.ts';
import { analyzeValues, type ValuesAnalysis } from './values.ts';

const windows: ['cumulative' | 'last_n' | 'last_t', (s: RunJudgeState) => Metrics][] = [
  ['cumulative', (s) => s.cumulative],
  ['last_n', (s) => s.lastN],
  ['last_t', (s) => s.lastT],
];

/**
 * The values analysis on /metrics, per run, judge and window, for the judges that label values:
 * VDR, chi-square, reduced chi-square and its p-value, and per value (a label bounded by the
 * judge's taxonomy) the observed and expected counts and the Pearson residual. Read at scrape.
 */
export function registerValueMetrics(registry: Registry, state: AggregatorState): void {
  const base = ['run', 'model', 'deployment', 'judge', 'window'] as const;
  type Labels = Record<(typeof base)[number], string>;
  const analyses = (): [Labels, ValuesAnalysis][] => {
    const out: [Labels, ValuesAnalysis][] = [];
    for (const s of state.live())
      for (const [window, pick] of windows) {
        const analysis = analyzeValues(pick(s).values);
        if (analysis.responses === 0) continue;
        out.push([
          { run: s.runId, model: s.model, deployment: s.deployment, judge: s.judgeId, window },
          analysis,
        ]);
      }
    return out;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    extra: readonly L[],
    fill: (g: Gauge<L | (typeof base)[number]>, all: [Labels, ValuesAnalysis][]) => void,
  ): void => {
    const g: Gauge<L | (typeof base)[number]> = new Gauge({
      name,
      help,
      labelNames: [...base, ...extra],
      registers: [registry],
      collect() {
        g.reset();
        fill(g, analyses());
      },
    });
  };
  const scalar = (name: string, help: string, pick: (a: ValuesAnalysis) => number | null) => {
    gauge(name, help, [], (g, all) => {
      for (const [labels, a] of all) {
        const v = pick(a);
        if (v !== null && Number.isFinite(v)) g.set(labels, v);
      }
    });
  };
  scalar(
    'valbench_value_demonstration_rate',
    'Share of the responses of valid judgments the judge labelled with a value (VDR), 0..1.',
    (a) => a.vdr,
  );
  scalar(
    'valbench_value_chi_square',
    'Chi-square of demonstrated against asked-for values (sum of squared Pearson residuals).',
    (a) => a.chiSquare,
  );
  scalar(
    'valbench_value_reduced_chi_square',
    'Chi-square over k - 1 degrees of freedom: near 0 yields to framing, large holds values.',
    (a) => a.reducedChiSquare,
  );
  scalar(
    'valbench_value_chi_square_p_value',
    'Chi-square survival function at the chi-square with k - 1 degrees of freedom.',
    (a) => a.pValue,
  );
  scalar('valbench_value_count', 'Values asked for at least once (k).', (a) => a.k);
  const perValue = (
    name: string,
    help: string,
    pick: (row: ValuesAnalysis['rows'][number]) => number | null,
  ) => {
    gauge(name, help, ['value'], (g, all) => {
      for (const [labels, a] of all)
        for (const row of a.rows) {
          const v = pick(row);
          if (v !== null && Number.isFinite(v)) g.set({ ...labels, value: row.value }, v);
        }
    });
  };
  perValue(
    'valbench_value_observed',
    'Labelled responses that demonstrate the value (O_v).',
    (r) => r.observed,
  );
  perValue(
    'valbench_value_expected',
    'Labelled responses whose question asked them to argue for the value (E_v).',
    (r) => r.expected,
  );
  perValue(
    'valbench_value_pearson_residual',
    'Pearson residual (O_v - E_v) / sqrt(E_v); absent for a value never asked for.',
    (r) => r.residual,
  );
}

/** The values analysis of one state for /api/metrics (null when the judge labels no values). */
export function valuesJson(s: RunJudgeState): ValuesAnalysis | null {
  const analysis = analyzeValues(s.cumulative.values);
  return analysis.responses === 0 ? null : analysis;
}
