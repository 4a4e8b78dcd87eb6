import type { Registry } from 'prom-client';
import { eachWindow, stateGauge, type StateGauge, type StateLabels } from './gauges.ts';
import type { AggregatorState, RunJudgeState } from './state.ts';
import { analyzeValues, type ValuesAnalysis } from './values.ts';

/**
 * The values analysis on /metrics, per run, judge and window, for the judges that label values:
 * VDR, chi-square, reduced chi-square and its p-value, and per value (a label bounded by the
 * judge's taxonomy) the observed and expected counts and the Pearson residual. Read at scrape.
 */
export function registerValueMetrics(registry: Registry, state: AggregatorState): void {
  const analyses = (): [StateLabels, ValuesAnalysis][] => {
    const out: [StateLabels, ValuesAnalysis][] = [];
    eachWindow(state, (labels, metrics) => {
      const analysis = analyzeValues(metrics.values);
      if (analysis.responses > 0) out.push([labels, analysis]);
    });
    return out;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    extra: readonly L[],
    fill: (g: StateGauge<L>, all: [StateLabels, ValuesAnalysis][]) => void,
  ): void => {
    stateGauge(registry, name, help, extra, (g) => {
      fill(g, analyses());
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
