/**
 * Chaos, bounded: bench/chaos.ts's run on 300 pairs. Each stage is its own `valbench` process on
 * a PRIVATE stack (the shared one of the e2e project is left alone: this test kills its broker),
 * the model under test and the judge are simulator servers. One after another, at seeded points:
 * SIGKILL of the producer while it publishes, of a responder, of the judge, kill -9 of the broker
 * and of the registry, SIGKILL of the aggregator (see test/support/chaos/). Each fault must lose
 * no pair, count none twice and cost no more repeated model and judge calls than the killed
 * process holds in flight; the run's metrics must equal the simulator's ground truth.
 *
 * The latency is high (0.8 s per call, concurrency 4) so that the run lasts about a minute: every
 * fault needs work in flight when it strikes, and each takes seconds to recover from (a 6 s
 * group session, a broker restart), which a faster run would outpace.
 */
import { describe, expect, it } from 'vitest';
import { faultKinds } from '../support/chaos/faults.ts';
import { faultTable } from '../support/chaos/report.ts';
import { runChaos } from '../support/chaos/run.ts';

describe('chaos: stages, broker and registry killed mid-run', () => {
  it('loses nothing, counts nothing twice, repeats no more calls than were in flight', async () => {
    const report = await runChaos({
      pairs: 300,
      latencyMs: 800,
      jitterMs: 200,
      concurrency: 4,
      seed: 7,
      faults: faultKinds,
      partitions: 3,
      responders: 2,
      sessionTimeoutSeconds: 6,
      quietMs: 2_000,
      stallMs: 40_000,
      // Past its deadline a failed run still stops its stages and stack: up to about 3 min more.
      deadlineMs: 200_000,
      log: (line) => {
        console.error(line);
      },
    });
    console.error(faultTable(report));

    expect(report.faults.map((f) => f.fault)).toEqual([...faultKinds]);
    for (const f of report.faults) {
      expect.soft(f.injected, `${f.fault}: injected`).toBe(true);
      expect.soft(f.recoverySeconds, `${f.fault}: recovered`).not.toBeNull();
      expect.soft(f.lost, `${f.fault}: pairs lost`).toBe(0);
      expect.soft(f.doubleCounted, `${f.fault}: pairs double counted`).toBe(0);
      expect
        .soft(f.extraModelCalls, `${f.fault}: extra model calls`)
        .toBeLessThanOrEqual(f.bound.modelCalls);
      expect
        .soft(f.extraJudgeCalls, `${f.fault}: extra judge calls`)
        .toBeLessThanOrEqual(f.bound.judgeCalls);
    }
    const s = report.summary;
    expect.soft(s.complete, 'every pair counted and every group drained').toBe(true);
    expect.soft(s.lost, 'pairs lost').toBe(0);
    expect.soft(s.doubleCounted, 'pairs double counted').toBe(0);
    expect.soft(s.metricsEqual, 'metrics equal to the ground truth').toBe(true);
    expect.soft(s.extraBeforeFaults, 'extra calls before any fault').toEqual({
      modelCalls: 0,
      judgeCalls: 0,
    });
    expect.soft(s.callLogsMatch, 'the call logs saw every simulator request').toBe(true);
  }, 400_000);
});
