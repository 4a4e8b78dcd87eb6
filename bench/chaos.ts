/**
 * Chaos benchmark: a 2,000-pair evaluation with each stage as its own `valbench` process (produce,
 * 2 × respond, judge, aggregate) on a PRIVATE stack it starts itself (own folder, free ports:
 * it kills the broker), the model under test and the judge two SIMULATOR servers with latency.
 * One after another it injects: SIGKILL of the producer while it publishes (then produce again),
 * then, at seeded points between 5% and 70% of the pairs judged, SIGKILL of a responder and of
 * the judge (each restarted), kill -9 of the broker and of the registry (then `valbench stack
 * up`), SIGKILL of the aggregator (restarted).
 *
 *   node bench/chaos.ts --pairs 2000 --latency-ms 100 --jitter-ms 50 --concurrency 8 --seed 1 \
 *     --faults producer,responder,judge,aggregator,broker,registry
 *
 * Prints one JSON line per fault, then one for the run, and a table on stderr. Definitions:
 * - lost: pairs of the run the aggregator has not counted when the run ends (every pair counted
 *   and both groups drained, or nothing moved for --stall-seconds, or --deadline-seconds). A
 *   fault's own figure counts the pairs that became undeliverable in its window: no judgment
 *   left on the topic and the furthest surviving record committed past by its group (skipped),
 *   or no record left at all (vanished, or never published).
 * - double counted: the aggregator's count for the run above the number of pairs, plus the pairs
 *   with a judgment record that would count differently from the simulator's ground truth; the
 *   run's final metrics must equal summarize(computeMetrics(groundTruth of every pair)).
 * - extra model / judge calls: calls asking again for a (pair, side) already asked for, read from
 *   a recording proxy in front of each simulator. Each is charged to the first fault that struck
 *   before it and had not recovered yet when the call it repeats was made (that call was in
 *   flight, waiting for its commit, or cut short by the fault's rebalance), however late it is
 *   asked again; else to the fault whose window it falls in. The next fault waits until the
 *   previous one recovered, no extra call came for --quiet-ms and the records it left twice on a
 *   topic (prompts, responses) were consumed by the next group. Run totals: simulator requests
 *   minus 2 × pairs (model) and minus pairs (judge).
 * - seconds to recover: from the kill until the pipeline moves through what it hit: the restarted
 *   responder or judge runs and its group commits further on a partition the kill stopped; the
 *   restarted aggregator counts what the killed one had; every pair is on the prompts topic
 *   (producer); the part is back, both groups commit further and the aggregator counts more
 *   (broker, registry).
 * - bound: what the hit group can hold (a stage holds up to twice its limit of records between
 *   fetch and commit). A responder fault: every responder's 2C pairs, responders × 4C model calls
 *   (and responders × 2C judge calls for the responses written again), since the restart
 *   rebalances the group and the survivors' calls on the partitions they hand over are aborted
 *   and redone; the judge 2C calls; producer and aggregator 0; a broker or registry restart
 *   everything held (responders × 4C model calls, responders × 2C + 2C judge calls), the goal
 *   there being 0.
 */
import { parseFlags } from '../lib/config/args.ts';
import { quietKnownWarnings } from '../lib/warnings.ts';
import { faultKinds, type FaultKind } from '../test/support/chaos/faults.ts';
import { faultTable } from '../test/support/chaos/report.ts';
import { runChaos } from '../test/support/chaos/run.ts';

quietKnownWarnings();
const { flags } = parseFlags(process.argv.slice(2), new Set());
const number = (name: string, fallback: number): number => {
  const value = Number(flags.get(name) ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number >= 0`);
  return value;
};
const isFault = (name: string): name is FaultKind => faultKinds.some((kind) => kind === name);
const faults = (flags.get('faults') ?? faultKinds.join(',')).split(',').filter((f) => f !== '');
const unknown = faults.filter((f) => !isFault(f));
if (unknown.length > 0)
  throw new Error(`--faults: unknown ${unknown.join(', ')} (known: ${faultKinds.join(', ')})`);

const report = await runChaos({
  pairs: number('pairs', 2000),
  latencyMs: number('latency-ms', 100),
  jitterMs: number('jitter-ms', 50),
  concurrency: number('concurrency', 4),
  seed: number('seed', 1),
  faults: faults.filter(isFault),
  partitions: number('partitions', 6),
  responders: number('responders', 2),
  sessionTimeoutSeconds: number('session-timeout-seconds', 6),
  quietMs: number('quiet-ms', 2000),
  stallMs: number('stall-seconds', 60) * 1000,
  deadlineMs: number('deadline-seconds', 900) * 1000,
  log: (line) => {
    console.error(line);
  },
});
for (const fault of report.faults) console.log(JSON.stringify({ bench: 'chaos', ...fault }));
console.log(JSON.stringify(report.summary));
console.error(faultTable(report));
process.exitCode = report.summary.pass ? 0 : 1;
