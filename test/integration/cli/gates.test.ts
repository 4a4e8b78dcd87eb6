/**
 * `valbench compare` and `valbench wait` with their gates, as CLI processes on the real broker and
 * registry. The test publishes prompts, judgments and dead letters of a few runs itself (records
 * built like the stages' own, encoded with the pipeline's codecs on topics of its own prefix), so
 * each run's PAC is known: no model and no judge is called.
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgmentKey, pairKey } from '../../../lib/ids.ts';
import { createProducer } from '../../../lib/kafka/client.ts';
import { createPublisher } from '../../../lib/kafka/publish.ts';
import { silentLogger } from '../../../lib/log.ts';
import { openPipeline, type Pipeline } from '../../../lib/pipeline.ts';
import type { Judgment } from '../../../lib/records/types.gen.ts';
import { computeMetrics, summarize } from '../../../services/aggregator/metrics.ts';
import { scored } from '../../../services/aggregator/state.ts';
import { spawnValbench, type CliProcess } from '../../support/cli.ts';
import { sampleDeadLetter, sampleJudgment, samplePrompt } from '../../support/fixtures.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../../support/kafka.ts';

let cluster: TestCluster;
let pipeline: Pipeline;
let producer: Producer;
let prefix: string;
const processes: CliProcess[] = [];

const judgeA = 'judge-aaaaaaaaaaaaaaaa';
const judgeB = 'judge-bbbbbbbbbbbbbbbb';
const baseline = 'run-1111111111111111';
const candidate = 'run-2222222222222222';
const pending = 'run-3333333333333333';
const later = 'run-4444444444444444';

/** Scores 2 for the first `aligned` pairs of `count`, 0 for the rest (null: an invalid judgment). */
function scores(count: number, aligned: number, invalid = 0): (number | null)[] {
  return Array.from({ length: count }, (_, i) =>
    i < invalid ? null : i < invalid + aligned ? 2 : 0,
  );
}

function judgment(runId: string, pairId: string, judgeId: string, score: number | null): Judgment {
  const base = sampleJudgment(pairId);
  return {
    ...base,
    runId,
    judgeId,
    judge: { ...base.judge, model: `model-of-${judgeId}`, reversed: judgeId === judgeB },
    valid: score !== null,
    invalidReason: score === null ? 'not JSON' : null,
    output:
      score === null || base.output === null ? null : { ...base.output, alignment_score: score },
  };
}

async function publishPrompts(runId: string, count: number): Promise<void> {
  await createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts).publish(
    Array.from({ length: count }, (_, i) => {
      const pairId = String(i + 1);
      return { key: pairKey(runId, pairId), value: { ...samplePrompt(pairId), runId } };
    }),
  );
}

async function publishJudgments(judgments: readonly Judgment[]): Promise<void> {
  await createPublisher(producer, pipeline.codecs.judgment, pipeline.names.judgments).publish(
    judgments.map((j) => ({ key: judgmentKey(j.runId, j.pairId, j.judgeId), value: j })),
  );
}

function judgeAll(runId: string, judgeId: string, list: readonly (number | null)[]): Judgment[] {
  return list.map((score, i) => judgment(runId, String(i + 1), judgeId, score));
}

/** The PAC the gates must see: computed from the same judgments, by the metric code. */
const pacOf = (js: readonly Judgment[]) => summarize(computeMetrics(js.map(scored)).overall);

function valbench(args: string[]): CliProcess {
  const p = spawnValbench([...args, '--topic-prefix', prefix], {
    KAFKA_BROKERS: cluster.brokers,
    SCHEMA_REGISTRY_URL: cluster.registryUrl,
  });
  processes.push(p);
  return p;
}

async function finished(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = valbench(args);
  const code = await p.exit;
  console.log(`$ valbench ${args.join(' ')}  → exit ${code}\n${p.text()}`);
  return { code, out: p.text() };
}

const baselineJudgments = judgeAll(baseline, judgeA, scores(40, 30)); // PAC 87.5
const candidateA = judgeAll(candidate, judgeA, scores(40, 10)); // PAC 62.5
const candidateB = judgeAll(candidate, judgeB, scores(40, 20, 4)); // 36 valid, PAC 77.78

beforeAll(async () => {
  cluster = await connectTestCluster();
  prefix = `${cluster.unique('gates')}.`;
  pipeline = await openPipeline(
    {
      kafka: { brokers: [cluster.brokers], clientId: 'gates-test' },
      registry: { url: cluster.registryUrl },
    },
    { topicPrefix: prefix, partitions: 3 },
    silentLogger(),
  );
  producer = createProducer(pipeline.kafka);
  await producer.connect();
  await publishPrompts(baseline, 40);
  await publishPrompts(candidate, 40);
  await publishPrompts(pending, 5);
  // An earlier record of a key is replaced by the later one: pair 1 first judged -2, then 0.
  await publishJudgments([judgment(candidate, '1', judgeA, -2)]);
  await publishJudgments([...baselineJudgments, ...candidateA, ...candidateB]);
  // Run 3: pairs 1-3 judged, pair 4 dead-lettered, pair 5 missing.
  await publishJudgments(judgeAll(pending, judgeA, [2, 2, 2]));
  await createPublisher(producer, pipeline.codecs.deadLetter, pipeline.names.deadLetters).publish([
    {
      key: pairKey(pending, '4'),
      value: { ...sampleDeadLetter(), key: Buffer.from(pairKey(pending, '4')), runId: pending },
    },
  ]);
});

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await producer.disconnect();
  await cluster.close();
});

describe('valbench compare', () => {
  it('shows every judge of the run side by side, each key counted once', async () => {
    const { code, out } = await finished(['compare', candidate, '--format', 'json']);
    expect(code, out).toBe(0);
    const json = JSON.parse(out.slice(out.indexOf('{'))) as {
      pairs: number;
      judges: {
        judgeId: string;
        reversed: boolean;
        valid: number;
        invalid: number;
        pac: number;
        pacCiLow: number;
        judgeModel: string;
      }[];
    };
    expect(json.pairs).toBe(40);
    const a = pacOf(candidateA);
    const b = pacOf(candidateB);
    expect(a.pac).toBe(62.5);
    expect(json.judges).toMatchObject([
      {
        judgeId: judgeA,
        judgeModel: `model-of-${judgeA}`,
        reversed: false,
        valid: 40,
        invalid: 0,
        pac: a.pac,
        pacCiLow: a.pacCiLow,
      },
      { judgeId: judgeB, reversed: true, valid: 36, invalid: 4, pac: b.pac },
    ]);
  });

  it('prints a table by default', async () => {
    const { code, out } = await finished(['compare', '--run', candidate]);
    expect(code, out).toBe(0);
    const a = pacOf(candidateA);
    expect(out).toContain(`run ${candidate}: 40 pairs, 0 dead-lettered`);
    const line = out.split('\n').find((l) => l.startsWith(judgeA)) ?? '';
    expect(line).toContain(`model-of-${judgeA} (simulated)  no`);
    expect(line).toContain(`62.50 (${a.pacCiLow.toFixed(2)}-${a.pacCiHigh.toFixed(2)})`);
    expect(line).toContain('40 / 0');
    expect(out.split('\n').find((l) => l.startsWith(judgeB))).toContain('yes');
  });

  it('refuses a run that does not exist, naming it', async () => {
    const { code, out } = await finished(['compare', 'run-ffffffffffffffff']);
    expect(code).toBe(1);
    expect(out).toContain('run run-ffffffffffffffff does not exist');
  });
});

describe('valbench wait with gates', () => {
  it('--fail-under: exit 0 at or above the threshold, 3 below it, with the reason', async () => {
    const pass = await finished(['wait', candidate, '--judge', judgeA, '--fail-under', '62.5']);
    expect(pass.code, pass.out).toBe(0);
    expect(pass.out).toContain(`run ${candidate} judge ${judgeA}: PAC 62.50%`);
    expect(pass.out).toContain('gate --fail-under 62.5 passed');
    const fail = await finished(['wait', candidate, '--judge', judgeA, '--fail-under', '70']);
    expect(fail.code, fail.out).toBe(3);
    expect(fail.out).toMatch(
      /gate --fail-under 70 FAILED: PAC 62\.50% \(95% CI [\d.]+-[\d.]+\) is below 70/,
    );
  });

  it('--baseline --max-drop: 3 when the drop is beyond noise, 0 when noise explains it', async () => {
    // Drop 25 points; each PAC has se 3.47 points, so the drop's interval is about 15.4 to 34.6.
    const base = pacOf(baselineJudgments);
    const a = pacOf(candidateA);
    const se = (s: typeof a) => (s.pacCiHigh - s.pac) / 1.96;
    const low = 25 - 1.96 * Math.hypot(se(a), se(base));
    expect(low).toBeGreaterThan(10);
    expect(low).toBeLessThan(20);
    const fail = await finished([
      'wait',
      candidate,
      '--judge',
      judgeA,
      '--baseline',
      baseline,
      '--max-drop',
      '10',
    ]);
    expect(fail.code, fail.out).toBe(3);
    expect(fail.out).toContain(
      `gate --baseline ${baseline} --max-drop 10 FAILED: PAC 87.50% → 62.50%, drop 25.00 points (95% CI ${low.toFixed(2)} to`,
    );
    const pass = await finished([
      'wait',
      candidate,
      '--judge',
      judgeA,
      '--baseline',
      baseline,
      '--max-drop',
      '20',
    ]);
    expect(pass.code, pass.out).toBe(0);
    expect(pass.out).toContain('drop 25.00 points');
    expect(pass.out).toContain('above 20 but within noise');
  });

  it('a baseline that does not exist or the judge never judged is an error (exit 1), not a pass', async () => {
    const r = await finished([
      'wait',
      candidate,
      '--judge',
      judgeB,
      '--baseline',
      baseline,
      '--max-drop',
      '50',
    ]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(
      `baseline run ${baseline} was not judged by judge ${judgeB} (judged by ${judgeA})`,
    );
    // Read before waiting: nothing was waited for.
    expect(r.out).not.toContain('waiting for run');
    const missing = await finished([
      'wait',
      candidate,
      '--judge',
      judgeA,
      '--baseline',
      'run-0',
      '--max-drop',
      '1',
    ]);
    expect(missing.code, missing.out).toBe(1);
    expect(missing.out).toContain('baseline run run-0 does not exist');
  });

  it('without --judge: the sole judge is taken, several are an error listing them', async () => {
    const sole = await finished(['wait', baseline, '--fail-under', '80']);
    expect(sole.code, sole.out).toBe(0);
    expect(sole.out).toContain(`judge ${judgeA}: PAC 87.50%`);
    const several = await finished(['wait', candidate]);
    expect(several.code).toBe(1);
    expect(several.out).toContain(
      `judged by 2 judges: name one with --judge (${judgeA}, ${judgeB})`,
    );
  });

  it('a run that does not exist is an error naming it; a timeout says what is missing', async () => {
    const none = await finished(['wait', 'run-ffffffffffffffff', '--fail-under', '1']);
    expect(none.code).toBe(1);
    expect(none.out).toContain('run run-ffffffffffffffff does not exist');
    const late = await finished([
      'wait',
      pending,
      '--timeout-seconds',
      '2',
      '--poll-seconds',
      '0.5',
    ]);
    expect(late.code).toBe(1);
    expect(late.out).toContain('WAIT_TIMEOUT');
    // The progress line is printed when its figures change, not on every poll.
    expect(late.out.split('judged 3/5, dead-lettered 1, missing 1').length - 1).toBe(1);
    expect(late.out).toContain(
      `run ${pending}: 1 of 5 pairs not yet judged by ${judgeA} nor dead-lettered`,
    );
    expect(late.out).toContain('first missing: 5');
  });

  it('keeps waiting while no judge has judged the run, then gives the verdict', async () => {
    await publishPrompts(later, 6);
    const p = valbench(['wait', later, '--poll-seconds', '0.5', '--fail-under', '50']);
    await waitFor(
      () => p.text().includes(`waiting for run ${later} (no judge yet): judged 0/6`),
      'a poll that found no judge',
    );
    // It keeps waiting (an exit now would fail the exit-code check below with its output).
    expect(p.child.exitCode).toBeNull();
    const js = judgeAll(later, judgeA, [2, 2, -2, null, 0, 0]);
    await publishJudgments(js);
    const code = await p.exit;
    expect(code, p.text()).toBe(0);
    const s = pacOf(js);
    expect(p.text()).toContain(`PAC ${s.pac.toFixed(2)}%`);
    expect(p.text()).toContain('valid 5 / invalid 1');
  });
});
