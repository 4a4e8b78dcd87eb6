import { Gauge, type Registry } from 'prom-client';
import type { Metrics } from './metrics.ts';
import type { AggregatorState } from './state.ts';

/** The labels of every per-(run, judge, window) gauge of the aggregator. */
export const stateLabels = ['run', 'model', 'deployment', 'judge', 'window'] as const;
export type StateLabels = Record<(typeof stateLabels)[number], string>;
/** A gauge with those labels and `L` more. */
export type StateGauge<L extends string> = Gauge<L | (typeof stateLabels)[number]>;

/**
 * Calls `fn` with the labels and metrics of each window of each (run, judge) still on /metrics
 * (retired runs left out): cumulative, last N judgments, last T minutes.
 */
export function eachWindow(
  state: AggregatorState,
  fn: (labels: StateLabels, metrics: Metrics) => void,
): void {
  for (const s of state.live()) {
    const labels = { run: s.runId, model: s.model, deployment: s.deployment, judge: s.judgeId };
    fn({ ...labels, window: 'cumulative' }, s.cumulative);
    fn({ ...labels, window: 'last_n' }, s.lastN);
    fn({ ...labels, window: 'last_t' }, s.lastT);
  }
}

/** A gauge labelled by run, model, deployment, judge and window (plus `extra`), filled at scrape. */
export function stateGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  extra: readonly L[],
  fill: (g: StateGauge<L>) => void,
): void {
  const g: StateGauge<L> = new Gauge({
    name,
    help,
    labelNames: [...stateLabels, ...extra],
    registers: [registry],
    collect() {
      g.reset();
      fill(g);
    },
  });
}
