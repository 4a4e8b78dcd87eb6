/**
 * The stage loop (lib/kafka/stage.ts) on the real broker and registry: backpressure, commits
 * that never run ahead of unfinished work, members that take over repeating only what was in
 * flight, the grace-period abort, and partitions sharing the pool (a partition whose records all
 * hang keeps only its share). The handlers are the tests' own (no model is called).
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
import {
  committedAsDone,
  pairsOnPartition,
  placements,
  stageBench,
  untilAborted,
} from '../../../support/stage.ts';

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
    // What A finished before B joined, once the group's commits count it done (A commits within
    // milliseconds of finishing; a busy machine may take longer, and that is not what is tested).
    const finishedBeforeB = new Set(byA);
    const placed = placements(pairs, 3);
    let committed: Awaited<ReturnType<typeof bench.committed>> = [];
    await waitFor(async () => {
      committed = await bench.committed();
      return [...finishedBeforeB].every((id) => {
        const at = placed.get(id);
        const commit = committed.find((p) => p.partition === at?.partition);
        return at !== undefined && committedAsDone(commit, at.offset);
      });
    }, 'what A finished committed as done');
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
    // Said with the group's commit B started from, should B repeat any of them.
    expect({
      repeated: byB.filter((id) => finishedBeforeB.has(id)).map((id) => [id, placed.get(id)]),
      committed,
    }).toEqual({ repeated: [], committed });
    // Repeats are bounded by what A had in flight when its partitions moved.
    expect(byA.length + byB.length - pairs.length).toBeLessThanOrEqual(4);
    expect(byB.length).toBeGreaterThan(0);
  });
});

describe('partitions sharing the pool', () => {
  it.each([2, 4])(
    'with %i partitions, one whose records all hang holds only its share of the calls while the others have records to take',
    async (partitions) => {
      const slots = 4;
      const bench = await stageBench(cluster, partitions);
      const slow = pairsOnPartition(0, 10, partitions, 'slow');
      const fast = Array.from({ length: partitions - 1 }, (_, i) =>
        pairsOnPartition(i + 1, 60 / (partitions - 1), partitions, `fast${i + 1}-`),
      );
      await bench.publish([...slow, ...fast.flat()]);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slowIds = new Set(slow);
      const fastLeft = fast.map((ids) => new Set(ids));
      const fastUntaken = fast.map((ids) => new Set(ids));
      const slowAnswered = new Set<string>();
      let slowCalls = 0;
      let peakWhileAllHaveWork = 0;
      let overShare = 0;
      const stage = await bench.start({
        concurrency: slots,
        handle: async (prompt, context) => {
          if (!slowIds.has(prompt.pairId)) {
            for (const untaken of fastUntaken) untaken.delete(prompt.pairId);
            await context.slot(() => sleep(5));
            for (const left of fastLeft) left.delete(prompt.pairId);
            return;
          }
          await context.slot(async () => {
            slowCalls += 1;
            // A partition with records to take keeps its share; one at its end claims only what
            // its records in flight need, so the hung one is held to a share while they all have
            // records to take.
            // More records not yet handled than a partition may hold: some are not even taken.
            const held = 2 * Math.ceil(slots / partitions);
            const toTake = 1 + fastUntaken.filter((untaken) => untaken.size > held).length;
            if (toTake === partitions) {
              peakWhileAllHaveWork = Math.max(peakWhileAllHaveWork, slowCalls);
              overShare = Math.max(overShare, slowCalls - Math.ceil(slots / partitions));
            }
            await gate;
            slowCalls -= 1;
          });
          slowAnswered.add(prompt.pairId);
        },
      });
      running.push(stage);
      await waitFor(
        () => fastLeft.every((left) => left.size === 0),
        'every record of the other partitions answered while partition 0 hangs',
      );
      expect(slowAnswered.size).toBe(0);
      expect(peakWhileAllHaveWork).toBe(Math.ceil(slots / partitions));
      expect(overShare).toBe(0);
      // Nothing else to do: the hung partition may take the whole pool (work-conserving).
      await waitFor(
        () => slowCalls === slots,
        'partition 0 takes every slot once the others are done',
      );
      await waitFor(async () => {
        const committed = await bench.committed();
        return fast.every(
          (ids, i) => committed.find((p) => p.partition === i + 1)?.offset === String(ids.length),
        );
      }, 'the other partitions committed to their end');
      release();
      await waitFor(() => slowAnswered.size === slow.length, 'partition 0 answered once released');
      await waitFor(
        async () =>
          (await bench.committed()).find((p) => p.partition === 0)?.offset === String(slow.length),
        'partition 0 committed to its end',
      );
      await stage.stop(5_000);
    },
  );

  it('records reaching another partition later are fetched and answered while partition 0 hangs', async () => {
    const bench = await stageBench(cluster, 2);
    const slow = pairsOnPartition(0, 10, 2, 'slow');
    const onOne = pairsOnPartition(1, 20, 2, 'one');
    const first = onOne.slice(0, 4);
    const later = onOne.slice(4);
    await bench.publish([...slow, ...first]);
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    let releaseFirst: () => void = () => undefined;
    const firstGate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const slowIds = new Set(slow);
    const firstIds = new Set(first);
    const answered = new Set<string>();
    let slowCalls = 0;
    let peakSlowWhileOneHasWork = 0;
    let firstCalls = 0;
    let firstHeld = true;
    const stage = await bench.start({
      concurrency: 4,
      handle: async (prompt, context) => {
        await context.slot(async () => {
          if (slowIds.has(prompt.pairId)) {
            slowCalls += 1;
            // Partition 1 has records to take while its first calls hang. Later, when it is
            // found at its end, partition 0 may borrow what its last records do not need.
            if (firstHeld) peakSlowWhileOneHasWork = Math.max(peakSlowWhileOneHasWork, slowCalls);
            await slowGate;
            slowCalls -= 1;
          } else if (firstIds.has(prompt.pairId)) {
            firstCalls += 1;
            await firstGate;
          } else await sleep(5);
        });
        answered.add(prompt.pairId);
      },
    });
    running.push(stage);
    // Both partitions hold their share: partition 0's batch can only wait, and must not wait
    // in a way that keeps partition 1's next records from being fetched.
    await waitFor(() => slowCalls === 2 && firstCalls === 2, 'each partition at its share');
    firstHeld = false;
    await bench.publish(later);
    releaseFirst();
    await waitFor(
      () => later.every((id) => answered.has(id)),
      'the records published later on partition 1 answered while partition 0 hangs',
    );
    expect(slow.filter((id) => answered.has(id))).toEqual([]);
    expect(peakSlowWhileOneHasWork).toBe(2);
    releaseSlow();
    await waitFor(() => slow.every((id) => answered.has(id)), 'partition 0 answered once released');
    await stage.stop(5_000);
  });

  it('a slow partition that took the whole pool lets records reaching another one in after its calls', async () => {
    const bench = await stageBench(cluster, 2);
    const slow = pairsOnPartition(0, 40, 2, 'slow');
    const fast = pairsOnPartition(1, 4, 2, 'fast');
    await bench.publish(slow);
    const slowIds = new Set(slow);
    let slowCalls = 0;
    let slowAnswered = 0;
    const fastAnswered = new Set<string>();
    const stage = await bench.start({
      concurrency: 4,
      handle: async (prompt, context) => {
        if (!slowIds.has(prompt.pairId)) {
          await context.slot(() => sleep(5));
          fastAnswered.add(prompt.pairId);
          return;
        }
        await context.slot(async () => {
          slowCalls += 1;
          try {
            await sleep(2_000, undefined, { signal: context.signal });
          } finally {
            slowCalls -= 1;
          }
        });
        slowAnswered += 1;
      },
    });
    running.push(stage);
    await waitFor(() => slowCalls === 4, 'partition 0 alone in the pool');
    await bench.publish(fast);
    // Its batch holds 40 records (a dozen seconds of calls): partition 1 must not wait for it.
    await waitFor(() => fastAnswered.size === fast.length, 'partition 1 answered', 15_000);
    expect(slowAnswered).toBeLessThanOrEqual(8);
    await waitFor(() => slowAnswered >= 12, 'partition 0 goes on after partition 1', 15_000);
    await stage.stop(0);
  });

  it('a partition whose hung calls took the whole pool gives back its share for records reaching another one: the calls beyond it are pre-empted and made again', async () => {
    const bench = await stageBench(cluster, 2);
    const slow = pairsOnPartition(0, 6, 2, 'hung');
    const fast = pairsOnPartition(1, 6, 2, 'fast');
    await bench.publish(slow);
    const slowIds = new Set(slow);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slowCalls = 0;
    let slowMade = 0;
    let preempted = 0;
    const slowAnswered = new Set<string>();
    const fastAnswered = new Set<string>();
    const stage = await bench.start({
      concurrency: 4,
      // No call has answered yet: six times the floor, 3 s (30 s by default).
      preemptFloorMs: 500,
      handle: async (prompt, context) => {
        if (!slowIds.has(prompt.pairId)) {
          await context.slot(() => sleep(5));
          fastAnswered.add(prompt.pairId);
          return;
        }
        await context.slot(async (signal) => {
          slowCalls += 1;
          slowMade += 1;
          try {
            // Hangs until released; a pre-empted call fails as a model call would when aborted.
            await Promise.race([gate, untilAborted(AbortSignal.any([signal, context.signal]))]);
          } catch (error) {
            if (signal.aborted) preempted += 1;
            throw error;
          } finally {
            slowCalls -= 1;
          }
        });
        slowAnswered.add(prompt.pairId);
      },
    });
    running.push(stage);
    await waitFor(() => slowCalls === 4, 'partition 0 alone takes every slot with hung calls');
    const publishedAt = Date.now();
    await bench.publish(fast);
    await waitFor(
      () => fastAnswered.size === fast.length,
      'partition 1 answered while partition 0 hangs',
      15_000,
    );
    const waitedMs = Date.now() - publishedAt;
    expect(slowAnswered.size).toBe(0);
    // Its two calls beyond its share of two were aborted; the two within it were not.
    expect(preempted).toBe(2);
    expect(waitedMs).toBeLessThan(10_000);
    // Made again once partition 1 has no work: every record of partition 0 answered, once.
    await waitFor(() => slowCalls === 4, 'partition 0 has the whole pool again', 15_000);
    release();
    await waitFor(() => slowAnswered.size === slow.length, 'partition 0 answered once released');
    expect(slowMade).toBe(slow.length + preempted);
    await stage.stop(5_000);
  });

  it('a partition alone may use the whole pool', async () => {
    const bench = await stageBench(cluster, 4);
    const only = pairsOnPartition(2, 12, 4, 'alone');
    await bench.publish(only);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const answered = new Set<string>();
    const stage = await bench.start({
      concurrency: 4,
      handle: async (prompt, context) => {
        await context.slot(async () => {
          calls += 1;
          await gate;
          calls -= 1;
        });
        answered.add(prompt.pairId);
      },
    });
    running.push(stage);
    await waitFor(() => calls === 4, 'every call slot taken by the one partition with records');
    expect(answered.size).toBe(0);
    release();
    await waitFor(() => answered.size === only.length, 'every record answered once released');
    await waitFor(
      async () =>
        (await bench.committed()).find((p) => p.partition === 2)?.offset === String(only.length),
      'partition 2 committed to its end',
    );
    await stage.stop(5_000);
  });
});
