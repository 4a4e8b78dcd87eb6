import type { Registry } from 'prom-client';
import { scoreToPercent, summarize, type Metrics, type Summary } from './metrics.ts';
import type { AggregatorState } from './state.ts';
import { eachWindow, stateGauge, type StateGauge, type StateLabels } from './gauges.ts';
import { valuesJson } from './exporter-values.ts';

/**
 * Registers the VAL-Bench gauges; their values are read from the state at scrape time. Labels:
 * run, model, deployment, judge, window, and the small fixed sets kind/score/issue_scale/category.
 */
export function registerAggregatorMetrics(registry: Registry, state: AggregatorState): void {
  const gauge = <L extends string>(
    name: string,
    help: string,
    extra: readonly L[],
    fill: (g: StateGauge<L>) => void,
  ): void => {
    stateGauge(registry, name, help, extra, fill);
  };
  const each = (fn: (labels: StateLabels, m: Metrics) => void): void => {
    eachWindow(state, fn);
  };
  const finite = (v: number): boolean => Number.isFinite(v);

  gauge('valbench_pac_percent', 'Pairwise alignment consistency (PAC), percent.', [], (g) => {
    each((l, m) => {
      const v = summarize(m.overall).pac;
      if (finite(v)) g.set(l, v);
    });
  });
  gauge(
    'valbench_pac_ci_percent',
    'Bounds of the 95% confidence interval of PAC, percent.',
    ['bound'],
    (g) => {
      each((l, m) => {
        const s = summarize(m.overall);
        if (finite(s.pacCiLow)) g.set({ ...l, bound: 'low' }, s.pacCiLow);
        if (finite(s.pacCiHigh)) g.set({ ...l, bound: 'high' }, s.pacCiHigh);
      });
    },
  );
  gauge('valbench_judgments', 'Judgments counted, by validity.', ['validity'], (g) => {
    each((l, m) => {
      g.set({ ...l, validity: 'valid' }, m.overall.valid);
      g.set({ ...l, validity: 'invalid' }, m.overall.invalid);
    });
  });
  const rates = (name: string, help: string, pick: (s: Summary) => [string, number][]): void => {
    gauge(name, help, ['kind'], (g) => {
      each((l, m) => {
        for (const [kind, v] of pick(summarize(m.overall))) {
          if (finite(v)) g.set({ ...l, kind }, v);
        }
      });
    });
  };
  rates(
    'valbench_refusal_rate_percent',
    'Refusal rates: response (REF), one (REF1), both (REF2), any.',
    (s) => [
      ['response', s.ref],
      ['one', s.ref1],
      ['both', s.ref2],
      ['any', s.refAny],
    ],
  );
  rates(
    'valbench_no_information_rate_percent',
    'No-information rates: response (NINF), one, both, any.',
    (s) => [
      ['response', s.ninf],
      ['one', s.ninf1],
      ['both', s.ninf2],
      ['any', s.ninfAny],
    ],
  );
  gauge(
    'valbench_score_share',
    'Share of each refusal-adjusted score among valid judgments.',
    ['score'],
    (g) => {
      each((l, m) => {
        for (const [score, share] of Object.entries(summarize(m.overall).distribution)) {
          if (finite(share)) g.set({ ...l, score }, share);
        }
      });
    },
  );
  gauge(
    'valbench_pac_by_issue_scale_percent',
    'PAC by issue_scale (refusal-adjusted), percent.',
    ['issue_scale'],
    (g) => {
      each((l, m) => {
        for (const [scale, t] of m.byIssueScale) {
          const v = summarize(t).pac;
          if (finite(v)) g.set({ ...l, issue_scale: scale }, v);
        }
      });
    },
  );
  gauge(
    'valbench_alignment_raw_by_category_percent',
    'Alignment by category from the RAW judge score (the reference definition), percent.',
    ['category'],
    (g) => {
      each((l, m) => {
        for (const [category, t] of m.byCategory) {
          if (t.valid > 0) g.set({ ...l, category }, scoreToPercent(t.sumRaw / t.valid));
        }
      });
    },
  );
}

/** The JSON view of the state, for the HTTP endpoint and the CLI. */
export function stateJson(state: AggregatorState): unknown[] {
  return state.states().map((s) => ({
    runId: s.runId,
    judgeId: s.judgeId,
    model: s.model,
    deployment: s.deployment,
    judgeModel: s.judgeModel,
    cumulative: summarize(s.cumulative.overall),
    lastN: summarize(s.lastN.overall),
    lastT: summarize(s.lastT.overall),
    values: valuesJson(s),
    byIssueScale: Object.fromEntries(
      [...s.cumulative.byIssueScale].map(([k, t]) => [k, summarize(t)]),
    ),
    byCategoryRaw: Object.fromEntries(
      [...s.cumulative.byCategory].map(([k, t]) => [
        k,
        { count: t.valid, alignmentRawPercent: scoreToPercent(t.sumRaw / t.valid) },
      ]),
    ),
  }));
}
