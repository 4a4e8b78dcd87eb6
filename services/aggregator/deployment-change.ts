import { Gauge, type Registry } from 'prom-client';
import { pacDrop } from './gates.ts';
import { summarize } from './metrics.ts';
import type { AggregatorState, RunJudgeState } from './state.ts';

/** One deployment of a model against the deployment before it, both judged by the same judge. */
export interface DeploymentChange {
  model: string;
  judge: string;
  deployment: string;
  previous: string;
  /** PAC of this deployment minus PAC of the previous one, in points, with its 95% interval. */
  change: number;
  low: number;
  high: number;
}

/**
 * Each model's deployments in the order the aggregator first saw them (per judge; a deployment
 * run several times counts by its latest run), each compared with the one before: the change of
 * PAC with the 95% interval of `pacDrop` (the gates' definition, sign reversed: negative is a drop).
 * Deployments with no valid judgment yet are skipped.
 */
export function deploymentChanges(states: readonly RunJudgeState[]): DeploymentChange[] {
  const lines = new Map<string, Map<string, RunJudgeState>>();
  for (const s of states) {
    if (s.cumulative.overall.valid === 0) continue;
    const key = JSON.stringify([s.model, s.judgeId]);
    const line = lines.get(key) ?? new Map<string, RunJudgeState>();
    lines.set(key, line);
    // Deleting first moves a redeployed label to its latest place in the order.
    line.delete(s.deployment);
    line.set(s.deployment, s);
  }
  const out: DeploymentChange[] = [];
  for (const line of lines.values()) {
    const ordered = [...line.values()];
    for (let i = 1; i < ordered.length; i++) {
      const before = ordered[i - 1];
      const now = ordered[i];
      if (before === undefined || now === undefined) continue;
      const { drop, low, high } = pacDrop(
        summarize(now.cumulative.overall),
        summarize(before.cumulative.overall),
      );
      if (!Number.isFinite(drop)) continue;
      out.push({
        model: now.model,
        judge: now.judgeId,
        deployment: now.deployment,
        previous: before.deployment,
        change: -drop,
        low: -high,
        high: -low,
      });
    }
  }
  return out;
}

/** The change of PAC from each deployment to the next on /metrics, read at scrape time. */
export function registerDeploymentMetrics(registry: Registry, state: AggregatorState): void {
  const g = new Gauge({
    name: 'valbench_deployment_pac_change_percent',
    help: 'PAC of a deployment minus PAC of the previous deployment of the model (same judge), points; bound: point, low, high (95% interval).',
    labelNames: ['model', 'judge', 'deployment', 'previous_deployment', 'bound'],
    registers: [registry],
    collect() {
      g.reset();
      // Compared over every deployment, shown for those still on /metrics (retirement).
      const live = new Set(state.live().map((s) => `${s.model}|${s.judgeId}|${s.deployment}`));
      for (const c of deploymentChanges(state.states())) {
        if (!live.has(`${c.model}|${c.judge}|${c.deployment}`)) continue;
        const labels = {
          model: c.model,
          judge: c.judge,
          deployment: c.deployment,
          previous_deployment: c.previous,
        };
        g.set({ ...labels, bound: 'point' }, c.change);
        if (Number.isFinite(c.low)) g.set({ ...labels, bound: 'low' }, c.low);
        if (Number.isFinite(c.high)) g.set({ ...labels, bound: 'high' }, c.high);
      }
    },
  });
}
