import type { Registry } from 'prom-client';

/** One reading of the successful model calls so far, by stage, and the responder's in flight. */
interface Sample {
  atMs: number;
  responder: number;
  judge: number;
  responderInFlight: number;
}

/** What a run's model-call timeline says about the pool. */
export interface PoolFigures {
  /** Responder calls per second between 10% and 90% of its calls (warmed up, before the tail). */
  responderCallsPerSecond: number;
  judgeCallsPerSecond: number;
  /** From `fromMs` (the first publish) to the first responder call seen in flight. */
  firstCallSeconds: number;
  /** From the last responder call to `endMs` (the last judgment counted). */
  tailSeconds: number;
}

/**
 * Samples `valbench_model_calls_total{outcome="ok"}` of an in-process registry every `everyMs`,
 * so a benchmark can tell the warmed-up rate from the start-up and the tail.
 */
export function sampleCallRate(registry: Registry, everyMs = 50) {
  const samples: Sample[] = [];
  const read = async (): Promise<void> => {
    const metric = registry.getSingleMetric('valbench_model_calls_total');
    const values = metric === undefined ? [] : (await metric.get()).values;
    const count = (stage: string): number =>
      values
        .filter((v) => v.labels['stage'] === stage && v.labels['outcome'] === 'ok')
        .reduce((sum, v) => sum + v.value, 0);
    const inFlight = registry.getSingleMetric('valbench_stage_in_flight');
    const flying = inFlight === undefined ? [] : (await inFlight.get()).values;
    samples.push({
      atMs: Date.now(),
      responder: count('responder'),
      judge: count('judge'),
      responderInFlight: flying
        .filter((v) => v.labels['stage'] === 'responder')
        .reduce((sum, v) => sum + v.value, 0),
    });
  };
  const timer = setInterval(() => void read(), everyMs);
  return {
    async stop(fromMs: number, endMs: number): Promise<PoolFigures> {
      clearInterval(timer);
      await read();
      return figures(samples, fromMs, endMs);
    },
  };
}

function rateBetween(samples: readonly Sample[], pick: (s: Sample) => number): number {
  const final = samples.at(-1);
  const total = final === undefined ? 0 : pick(final);
  const first = samples.find((s) => pick(s) >= total * 0.1);
  const last = samples.find((s) => pick(s) >= total * 0.9);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return Number.NaN;
  return (pick(last) - pick(first)) / ((last.atMs - first.atMs) / 1000);
}

export function figures(samples: readonly Sample[], fromMs: number, endMs: number): PoolFigures {
  const total = samples.at(-1)?.responder ?? 0;
  const firstCall =
    samples.find((s) => s.responderInFlight > 0 || s.responder > 0)?.atMs ?? Number.NaN;
  const lastCall = samples.find((s) => s.responder >= total)?.atMs ?? Number.NaN;
  return {
    responderCallsPerSecond: rateBetween(samples, (s) => s.responder),
    judgeCallsPerSecond: rateBetween(samples, (s) => s.judge),
    firstCallSeconds: (firstCall - fromMs) / 1000,
    tailSeconds: (endMs - lastCall) / 1000,
  };
}
