import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createFairPool, type FairPoolOptions } from '../../../../lib/kafka/fair-pool.ts';

/** A pool of `limit` records (one call each) whose pauses, resumes and probes are recorded. */
function bench(limit: number, overrides: Partial<FairPoolOptions> = {}) {
  const events: string[] = [];
  let highs = new Map<number, bigint>();
  let probes = 0;
  const pool = createFairPool({
    limit: () => limit,
    callsPerRecord: 1,
    pause: (p) => events.push(`pause ${p}`),
    resume: (p) => events.push(`resume ${p}`),
    changed: () => undefined,
    probe: () => {
      probes += 1;
      return Promise.resolve(highs);
    },
    ...overrides,
  });
  /** Calls that run until released, per partition; `running` counts those holding a slot. */
  const running = new Map<number, number>();
  const release: (() => void)[] = [];
  const call = (partition: number) => {
    const record = pool.begin(partition);
    const done = record.slot(async () => {
      running.set(partition, (running.get(partition) ?? 0) + 1);
      await new Promise<void>((resolve) => release.push(resolve));
      running.set(partition, (running.get(partition) ?? 0) - 1);
    });
    return { record, done };
  };
  return {
    pool,
    events,
    running: (partition: number) => running.get(partition) ?? 0,
    call,
    /** Releases the oldest running call and lets the pool hand its slot on. */
    async releaseOne() {
      release.shift()?.();
      await flush();
    },
    setHighs(next: Map<number, bigint>) {
      highs = next;
    },
    probes: () => probes,
  };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

const end = { reason: 'end', backlog: false, highWatermark: 10n } as const;

describe('the fair pool', () => {
  it('gives a partition alone every slot, and two partitions with work a share each', async () => {
    const b = bench(4);
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    for (let i = 0; i < 4; i += 1) b.call(0);
    await flush();
    expect(b.running(0)).toBe(4);
    expect(b.pool.mayBegin(0)).toBe(false);

    const c = bench(4);
    c.pool.assign([0, 1]);
    c.pool.enter(0);
    c.pool.enter(1);
    for (let i = 0; i < 4; i += 1) c.call(0);
    await flush();
    // Two slots free, but they are partition 1's share.
    expect(c.running(0)).toBe(2);
    expect(c.pool.mayBegin(0)).toBe(false);
    expect(c.pool.mayBegin(1)).toBe(true);
    c.call(1);
    c.call(1);
    await flush();
    expect(c.running(1)).toBe(2);
    expect(c.pool.mayBegin(1)).toBe(false);
  });

  it('hands a freed slot to a queued call within its share, first come first served', async () => {
    const b = bench(2);
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    b.pool.enter(1);
    b.call(0);
    b.call(0);
    b.call(1);
    await flush();
    expect([b.running(0), b.running(1)]).toEqual([1, 1]);
    await b.releaseOne();
    // Partition 0's first call ended: its queued call takes the slot.
    expect([b.running(0), b.running(1)]).toEqual([1, 1]);
  });

  it('gives the others what a partition at its end does not need, once the broker says nothing arrived: its whole share once its work ended', async () => {
    const b = bench(4);
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    const leaveOne = b.pool.enter(1);
    for (let i = 0; i < 4; i += 1) b.call(0);
    const one = b.pool.begin(1);
    await flush();
    expect(b.running(0)).toBe(2);
    b.setHighs(new Map([[1, 10n]]));
    leaveOne(end);
    // Its batch ran out: until the broker answers, it keeps its share.
    expect(b.running(0)).toBe(2);
    await flush();
    // Nothing arrived: it claims a slot for its one record in flight, the other has the rest.
    expect(b.probes()).toBe(1);
    expect(b.running(0)).toBe(3);
    // Its work ended: its whole share goes once the broker says again that nothing arrived.
    one.end();
    await flush();
    expect(b.probes()).toBe(2);
    expect(b.running(0)).toBe(4);
    expect(b.pool.othersStarved(0)).toBe(false);
  });

  it('keeps the share of a partition whose records arrived while it had none in hand, and says it needs a fetch', async () => {
    const b = bench(4);
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    const leaveOne = b.pool.enter(1);
    for (let i = 0; i < 4; i += 1) b.call(0);
    await flush();
    b.setHighs(new Map([[1, 12n]]));
    leaveOne(end);
    await flush();
    expect(b.probes()).toBe(1);
    expect(b.running(0)).toBe(2);
    expect(b.pool.othersStarved(0)).toBe(true);
    // A fetch starts: it brings them (or says nothing more), no need to leave again for it.
    b.pool.fetchStarted();
    expect(b.pool.othersStarved(0)).toBe(false);
    expect(b.running(0)).toBe(2);
  });

  it('does not ask the broker about a partition that runs out of work while no other has any', async () => {
    const b = bench(4);
    b.pool.assign([0, 1]);
    const one = b.pool.begin(1);
    b.pool.enter(1)(end);
    one.end();
    await flush();
    expect(b.probes()).toBe(0);
    // The next fetch brings any record it has with the others': meanwhile it has no share.
    b.pool.enter(0);
    for (let i = 0; i < 4; i += 1) b.call(0);
    await flush();
    expect(b.running(0)).toBe(4);
  });

  it('tries a failed probe again at the next fetch, keeping the share meanwhile', async () => {
    let fail = true;
    const errors: unknown[] = [];
    const b = bench(2, {
      probe: () =>
        fail ? Promise.reject(new Error('broker away')) : Promise.resolve(new Map([[1, 10n]])),
      onProbeError: (error) => errors.push(error),
    });
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    b.pool.enter(1)(end);
    b.call(0);
    b.call(0);
    await flush();
    expect(errors).toHaveLength(1);
    expect(b.running(0)).toBe(1);
    fail = false;
    b.pool.fetchStarted();
    await flush();
    expect(b.running(0)).toBe(2);
  });

  it('pauses a partition that stalled at its share and resumes it once under its share', async () => {
    const b = bench(2);
    b.pool.assign([0, 1]);
    const leaveZero = b.pool.enter(0);
    b.pool.enter(1);
    const first = b.call(0);
    await flush();
    expect(b.pool.mayBegin(0)).toBe(false);
    leaveZero({ reason: 'stall', backlog: true, highWatermark: 20n });
    expect(b.events).toEqual(['pause 0']);
    expect(b.pool.othersOutside(1)).toBe(false);
    await b.releaseOne();
    first.record.end();
    await flush();
    expect(b.events).toEqual(['pause 0', 'resume 0']);
    expect(b.pool.othersOutside(1)).toBe(true);
    // Its records wait for a fetch: partition 1's batch waiting for room must leave now, not
    // after its own stall (with calls of seconds, that wait left a third of the pool empty).
    expect(b.pool.othersStarved(1)).toBe(true);
  });

  it('says a partition needs a fetch when it left after waiting in vain without being paused', () => {
    const b = bench(2);
    b.pool.assign([0, 1]);
    b.pool.enter(1);
    b.pool.enter(0)({ reason: 'stall', backlog: true, highWatermark: 20n });
    expect(b.pool.othersStarved(1)).toBe(true);
    // A batch that yielded is fetched again anyway: it does not hurry the others.
    const c = bench(2);
    c.pool.assign([0, 1]);
    c.pool.enter(1);
    c.pool.enter(0)({ reason: 'yield', backlog: true, highWatermark: 20n });
    expect(c.pool.othersStarved(1)).toBe(false);
  });

  it('does not pause a partition that yields or stalls under its share', () => {
    const b = bench(2);
    b.pool.assign([0, 1]);
    b.pool.enter(1);
    b.pool.enter(0)({ reason: 'yield', backlog: true, highWatermark: 20n });
    b.pool.enter(0)({ reason: 'stall', backlog: true, highWatermark: 20n });
    expect(b.events).toEqual([]);
  });

  it('shares the held records too: at most twice a share of records in flight', () => {
    const b = bench(4);
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    b.pool.enter(1);
    for (let i = 0; i < 4; i += 1) b.pool.begin(0);
    expect(b.pool.mayBegin(0)).toBe(false);
    expect(b.pool.mayBegin(1)).toBe(true);
  });

  it('on a rebalance resumes the revoked partitions it paused and pauses the kept ones again', async () => {
    const b = bench(2);
    b.pool.assign([0, 1, 2]);
    const leaves = [0, 1, 2].map((p) => b.pool.enter(p));
    const calls = [0, 1].map((p) => b.call(p));
    await flush();
    for (const p of [0, 1]) leaves[p]?.({ reason: 'stall', backlog: true, highWatermark: 9n });
    expect(b.events).toEqual(['pause 0', 'pause 1']);
    b.pool.assign([1, 2]);
    expect(b.events).toEqual(['pause 0', 'pause 1', 'resume 0', 'pause 1']);
    // The revoked partition's record ends later: nothing more happens for it.
    await b.releaseOne();
    calls[0]?.record.end();
    expect(b.events).toHaveLength(4);
  });

  it('neither pauses nor resumes once stopped (the stage pauses the whole topic itself)', async () => {
    const b = bench(2);
    b.pool.assign([0, 1]);
    const leave = b.pool.enter(0);
    b.pool.enter(1);
    const first = b.call(0);
    await flush();
    leave({ reason: 'stall', backlog: true, highWatermark: 9n });
    expect(b.events).toEqual(['pause 0']);
    b.pool.stop();
    await b.releaseOne();
    first.record.end();
    b.pool.enter(1)({ reason: 'stall', backlog: true, highWatermark: 9n });
    b.pool.assign([]);
    expect(b.events).toEqual(['pause 0']);
  });

  it('takes back the slots a partition took alone for another that waited, once both waited the pre-emption time: the calls are made again in its share', async () => {
    const b = bench(4, { preemptFloorMs: 40 });
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    let made = 0;
    let preempted = 0;
    /** A call that never answers, only fails when pre-empted. */
    const hung = (partition: number) =>
      b.pool.begin(partition).slot(
        (signal) =>
          new Promise<never>((_, reject) => {
            made += 1;
            signal.addEventListener('abort', () => {
              preempted += 1;
              reject(new Error('aborted'));
            });
          }),
      );
    for (let i = 0; i < 4; i += 1) void hung(0);
    await flush();
    expect(made).toBe(4);

    // Partition 1's records arrive: its two calls (its share) wait, every slot being taken.
    const leave = b.pool.enter(1);
    const answered: string[] = [];
    const finish: (() => void)[] = [];
    for (const name of ['a', 'b', 'c']) {
      const record = b.pool.begin(1);
      void record
        .slot(() => {
          answered.push(name);
          return new Promise<void>((resolve) => finish.push(resolve));
        })
        .then(record.end);
    }
    await flush();
    expect([preempted, answered.length]).toEqual([0, 0]);

    // No call has answered: the pre-emption time is six times the 40 ms floor.
    await sleep(100);
    await flush();
    expect(preempted).toBe(0);
    await sleep(200);
    await flush();
    // Two of partition 0's calls were beyond its share of two: aborted, their slots given to
    // partition 1's two calls within its share; its third is beyond its share and takes none.
    expect(preempted).toBe(2);
    expect(answered).toEqual(['a', 'b']);
    expect(made).toBe(4);
    await sleep(300);
    await flush();
    expect(preempted).toBe(2);

    // Partition 1's calls end and it has no more work: partition 0 has the pool again and makes
    // its two pre-empted calls again.
    b.setHighs(new Map([[1, 10n]]));
    for (let i = 0; i < 3; i += 1) {
      finish.shift()?.();
      await flush();
    }
    expect(answered).toEqual(['a', 'b', 'c']);
    leave(end);
    await flush();
    expect(made).toBe(6);
    expect(preempted).toBe(2);
  });

  it('does not make again a pre-empted call whose record was abandoned meanwhile', async () => {
    const b = bench(2, { preemptFloorMs: 10 });
    b.pool.assign([0, 1]);
    b.pool.enter(0);
    const record = new AbortController();
    let made = 0;
    const hung = (signal?: AbortSignal) =>
      b.pool.begin(0, signal).slot(
        (preempted) =>
          new Promise<never>((_, reject) => {
            made += 1;
            preempted.addEventListener('abort', () => {
              reject(new Error('aborted'));
            });
          }),
      );
    const abandoned = hung(record.signal).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    void hung();
    await flush();
    b.pool.enter(1);
    void b.pool.begin(1).slot(() => new Promise<void>(() => undefined));
    record.abort();
    await sleep(150);
    await flush();
    // The abandoned record's call was the oldest beyond the share: pre-empted, and its failure
    // returned to the record instead of a new call.
    expect(await abandoned).toBe('aborted');
    expect(made).toBe(2);
  });
});
