/**
 * The stage loop (lib/kafka/stage.ts) on the real broker and registry: backpressure, commits
 * that never run ahead of unfinished work, members that take over repeating only what was in
 * flight, and the grace-period abort. The handlers are the tests' own (no model is called).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCommitMetadata } from '../../../../lib/kafka/offsets.ts';
import type { HandleContext, RunningStage } from '../../../../lib/kafka/stage.ts';
import {
  connectTestCluster,
  readMessages,
  waitFor,
  type TestCluster,
} from '../../../support/kafka.ts';
import { stageBench, untilAborted } from '../../../support/stage.ts';

let cluster: TestCluster;
const running: RunningStage[] = [];
const ids = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => String(from + i));

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop(0)));
  await cluster.close();
});

describe('the stage loop on a real broker', () => {
  it('keeps at most C model calls in flight, at most 2C records held, and answers every record once', async () => {
    const bench = await stageBench(cluster, 3);
    await bench.publish(ids(60));
    let now = 0;
    let peak = 0;
    let held = 0;
    let peakHeld = 0;
    const handled: string[] = [];
    const stage = await bench.start({
      concurrency: 3,
      handle: async (prompt, context) => {
        held += 1;
        peakHeld = Math.max(peakHeld, held);
        await context.slot(async () => {
          now += 1;
          peak = Math.max(peak, now);
          await sleep(15);
          now -= 1;
        });
        held -= 1;
        handled.push(prompt.pairId);
      },
    });
    running.push(stage);
    await waitFor(() => handled.length >= 60, '60 records handled');
    expect(stage.health().consuming).toBe(true);
    const outputs = await readMessages(cluster, bench.pipeline.names.responses, 60);
    await stage.stop(5_000);
    expect(stage.health()).toMatchObject({ consuming: false, reason: 'responder is stopping' });
    expect(peak).toBe(3);
    expect(peakHeld).toBeGreaterThan(3);
    expect(peakHeld).toBeLessThanOrEqual(6);
    expect(new Set(handled).size).toBe(60);
    expect(handled).toHaveLength(60);
    expect(new Set(outputs.map((m) => m.key?.toString())).size).toBe(60);
  });

  it('gives the slot of a finished call to the next record while its pair waits for a slow side', async () => {
    const bench = await stageBench(cluster, 1);
    await bench.publish(ids(40));
    let release: () => void = () => undefined;
    const slowSide = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answered = new Set<string>();
    let calls = 0;
    let hung = false;
    let peakWhileHung = 0;
    const call = async (context: HandleContext, wait: Promise<void>): Promise<void> => {
      await context.slot(async () => {
        calls += 1;
        if (wait === slowSide) hung = true;
        if (hung) peakWhileHung = Math.max(peakWhileHung, calls);
        await wait;
        calls -= 1;
      });
    };
    const stage = await bench.start({
      concurrency: 2,
      callsPerRecord: 2,
      handle: async (prompt, context) => {
        // Pair 0's second side hangs; every other side answers after 5 ms.
        await Promise.all([
          call(context, sleep(5)),
          call(context, prompt.pairId === '0' ? slowSide : sleep(5)),
        ]);
        answered.add(prompt.pairId);
      },
    });
    running.push(stage);
    // With a slot per record the hung pair would hold half the pool; with a slot per call only
    // its one hung call does, and the other three slots answer the rest meanwhile.
    await waitFor(() => answered.size >= 39, '39 pairs answered while one side hangs');
    expect(answered.has('0')).toBe(false);
    // The hung call and three others: every slot kept busy (a slot per pair would give 3).
    expect(peakWhileHung).toBe(4);
    release();
    await waitFor(() => answered.size >= 40, 'the hung pair answered once released');
    await stage.stop(5_000);
  });

  it('never commits past the lowest unfinished offset, and names the unfinished ones', async () => {
    const bench = await stageBench(cluster, 1);
    await bench.publish(ids(10));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled = new Set<string>();
    const stage = await bench.start({
      concurrency: 20,
      handle: async (prompt) => {
        if (prompt.pairId === '0') await gate;
        handled.add(prompt.pairId);
      },
    });
    running.push(stage);
    let metadata: string | null = null;
    await waitFor(async () => {
      const [p] = await bench.committed();
      metadata = p?.metadata ?? null;
      const known = decodeCommitMetadata(0n, metadata);
      return known?.high === 10n && known.incomplete.length === 1;
    }, 'offsets 1-9 committed as done in the metadata');
    const [held] = await bench.committed();
    expect(held?.offset).toBe('0');
    expect(decodeCommitMetadata(0n, metadata)?.incomplete).toEqual([0n]);
    expect(handled.has('0')).toBe(false);
    release();
    await waitFor(async () => (await bench.committed())[0]?.offset === '10', 'offset 10 committed');
    await stage.stop(5_000);
  });

  it('a member taking over after the grace-period abort repeats only what was in flight', async () => {
    const bench = await stageBench(cluster, 1);
    await bench.publish(ids(12));
    const aborted: string[] = [];
    const first = await bench.start({
      concurrency: 20,
      handle: async (prompt, context) => {
        if (prompt.pairId !== '0' && prompt.pairId !== '5') return;
        try {
          await untilAborted(context.signal);
        } finally {
          aborted.push(prompt.pairId);
        }
      },
    });
    running.push(first);
    await waitFor(async () => {
      const [p] = await bench.committed();
      const known = decodeCommitMetadata(0n, p?.metadata ?? null);
      return known?.high === 12n && known.incomplete.length === 2;
    }, 'everything but 0 and 5 committed as done');
    const stopping = Date.now();
    await first.stop(300);
    expect(Date.now() - stopping).toBeLessThan(8_000);
    expect(aborted.sort()).toEqual(['0', '5']);
    const [after] = await bench.committed();
    expect(after?.offset).toBe('0');

    const redone: string[] = [];
    const second = await bench.start({
      concurrency: 20,
      handle: (prompt) => {
        redone.push(prompt.pairId);
        return Promise.resolve();
      },
    });
    running.push(second);
    await waitFor(async () => (await bench.committed())[0]?.offset === '12', 'all 12 committed');
    await second.stop(5_000);
    expect(redone.sort()).toEqual(['0', '5']);
  });

  it('a second member joining mid-run loses nothing and repeats nothing that was finished', async () => {
    const bench = await stageBench(cluster, 3);
    const pairs = ids(150);
    await bench.publish(pairs);
    const byA: string[] = [];
    const byB: string[] = [];
    const slow =
      (into: string[]) =>
      async (prompt: { pairId: string }, context: HandleContext): Promise<void> => {
        await context.slot(() => sleep(150, undefined, { signal: context.signal }));
        into.push(prompt.pairId);
      };
    const a = await bench.start({ concurrency: 4, handle: slow(byA) });
    running.push(a);
    await waitFor(() => byA.length >= 20, 'member A finished 20');
    // What A finished a moment before B joined has been committed (A commits as it finishes).
    await sleep(300);
    const finishedBeforeB = new Set(byA);
    const b = await bench.start({ concurrency: 4, handle: slow(byB) });
    running.push(b);
    await waitFor(
      () => new Set([...byA, ...byB]).size >= pairs.length,
      'every pair handled by A or B',
      60_000,
    );
    const outputs = await readMessages(cluster, bench.pipeline.names.responses, pairs.length);
    await Promise.all([a.stop(5_000), b.stop(5_000)]);
    expect(new Set(outputs.map((m) => m.key?.toString()))).toEqual(
      new Set(pairs.map((id) => `run-1/${id}`)),
    );
    expect(byB.filter((id) => finishedBeforeB.has(id))).toEqual([]);
    // Repeats are bounded by what A had in flight when its partitions moved.
    expect(byA.length + byB.length - pairs.length).toBeLessThanOrEqual(4);
    expect(byB.length).toBeGreaterThan(0);
  });
});
