/**
 * A stage's pool of model-call slots, shared fairly among the partitions it reads, so that a slow
 * partition (every record on it calls a hung or very slow model) never holds the others back.
 *
 * With n partitions having work, each has a share of ceil(slots / n) call slots and
 * 2 × ceil(limit / n) records in flight (the stage's bound of twice its limit of held records,
 * shared the same way); a partition alone has the whole pool (work-conserving). A call beyond
 * its partition's share waits even when a slot is free: a slot taken by a hung call is given
 * back only by pre-emption (below), so it must not be one that another partition with work needs.
 *
 * A partition has work while a batch of it is in hand, while records of it are in flight, or
 * while records are known to wait past what it took (it left a batch early, or its last batch
 * ended below the high watermark). One out of records in hand keeps its share until the
 * broker's high watermarks (`probe`) say nothing arrived since its last batch: records that did
 * arrive wait unfetched while other batches wait for room. Once they say so, the partition is at
 * its end: it claims only what its records still in flight may call (when that is less than an
 * equal share), and the others share the rest, so the last records of a run are not held to a
 * share sized for partitions that have nothing left to take.
 *
 * A partition that leaves its batch at its share after waiting in vain is paused (kafkajs then
 * fetches the others without refetching it) and resumed once it is under its share again.
 *
 * A partition that took more than its share while the others had no work keeps those calls until
 * they end, unless another partition under its share waits for a slot meanwhile and a call beyond
 * the share has run `preemptAfterMs` (four times the median of the pool's recent calls, at least
 * 5 s; 30 s until 8 calls have answered): that call is aborted (pre-empted) and made again within
 * its partition's share. So hung calls that filled the pool while it was alone hold the others
 * back for that long at most, not until their timeout, and a call is pre-empted only when it runs
 * far longer than most.
 */
export interface FairPool {
  /** The partitions assigned after a join: the others are forgotten (and resumed if paused). */
  assign(partitions: Iterable<number>): void;
  /** A batch of the partition is in hand. Returns the function to call when it is left. */
  enter(partition: number): (left: BatchLeft) => void;
  /** Whether the partition may take another record under its share. */
  mayBegin(partition: number): boolean;
  /**
   * Takes a record of the partition: its calls run in `slot`; `end` once it is processed. Once
   * `signal` (the record's) is aborted, a pre-empted call of it is not made again.
   */
  begin(partition: number, signal?: AbortSignal): PoolRecord;
  /** Another partition ran out of records in hand with more waiting: it needs a new fetch. */
  othersStarved(partition: number): boolean;
  /** Another partition has no batch in hand and is not paused: it may have records to fetch. */
  othersOutside(partition: number): boolean;
  /** Partitions whose batch ran out since the last fetch started are now being fetched. */
  fetchStarted(): void;
  /** The stage stops: no more pauses or resumes (it pauses the whole topic itself). */
  stop(): void;
}

/**
 * How the stage left a batch: taken to its `end`; left early to let kafkajs fetch again for
 * others (`yield`); or left early after waiting in vain at its share (`stall`: paused).
 */
export type BatchEnd = 'end' | 'yield' | 'stall';

/** How a batch was left, and what it showed of its partition. */
export interface BatchLeft {
  reason: BatchEnd;
  /** Records are known to wait past the last one taken. */
  backlog: boolean;
  /** The partition's high watermark when the batch was fetched. */
  highWatermark: bigint;
}

export interface PoolRecord {
  /**
   * Runs one model call in one of the pool's call slots, waiting for one within its share. The
   * call gets the signal that pre-empts it: when it is aborted and the call fails, the call is
   * made again (in a slot of its share); a call that answers anyway keeps its answer.
   */
  slot: <T>(call: (preempted: AbortSignal) => Promise<T>) => Promise<T>;
  /** The record is processed (or abandoned): its share is free again. */
  end: () => void;
}

interface Shares {
  /** The call slots the partition may hold. */
  calls: (entry: Entry) => number;
  /** The records it may hold. */
  held: (entry: Entry) => number;
}

export interface FairPoolOptions {
  /** Records the pool processes at once (the stage's current limit). */
  limit: () => number;
  /** Model calls a record makes at once. */
  callsPerRecord: number;
  pause: (partition: number) => void;
  resume: (partition: number) => void;
  /** A slot or a share was freed: a batch waiting for room may go on. */
  changed: () => void;
  /** The number of calls holding a slot changed. */
  onCalls?: (calls: number) => void;
  /** The high watermark of each partition of the topic, from the broker. */
  probe: () => Promise<ReadonlyMap<number, bigint>>;
  /** A probe failed (it is tried again at the next fetch). */
  onProbeError?: (error: unknown) => void;
  /**
   * The least time a call beyond its share runs, and a call within its share waits, before the
   * first may be pre-empted (default 5 s; until 8 calls have answered, six times that).
   */
  preemptFloorMs?: number;
}

/** A call holding a slot. */
interface Call {
  startedAt: number;
  preempt: AbortController;
}

/** Successful calls whose durations set the pre-emption time. */
const recentCalls = 64;

interface Entry {
  partition: number;
  batches: number;
  processing: number;
  calls: number;
  queued: number;
  backlog: boolean;
  /** Its last batch ran out with more records waiting, and no fetch started since. */
  starved: boolean;
  /** Its last batch ran out at the high watermark, and no probe said nothing arrived since. */
  unconfirmed: boolean;
  /** The high watermark its last batch showed. */
  seenHigh: bigint;
  paused: boolean;
  /** Its calls holding a slot, oldest first. */
  active: Set<Call>;
  /** Its calls pre-empted that still hold their slot (until they fail). */
  preempting: number;
}

export function createFairPool(options: FairPoolOptions): FairPool {
  const entries = new Map<number, Entry>();
  const queue: { entry: Entry; start: () => void; since: number }[] = [];
  let calls = 0;
  let stopped = false;
  let probing = false;
  let probeAgain = false;
  const durations: number[] = [];
  let nextDuration = 0;
  let preemptTimer: NodeJS.Timeout | undefined;
  const preemptFloorMs = options.preemptFloorMs ?? 5000;
  /** preemptAfterMs, worked out again after every 16 calls. */
  let threshold: number | undefined;

  const entryOf = (partition: number): Entry => {
    let entry = entries.get(partition);
    if (entry === undefined) {
      entry = {
        partition,
        batches: 0,
        processing: 0,
        calls: 0,
        queued: 0,
        backlog: false,
        starved: false,
        unconfirmed: false,
        seenHigh: 0n,
        paused: false,
        active: new Set(),
        preempting: 0,
      };
      entries.set(partition, entry);
    }
    return entry;
  };
  const current = (entry: Entry): boolean => entries.get(entry.partition) === entry;
  const hasWork = (e: Entry): boolean =>
    e.batches > 0 || e.processing > 0 || e.backlog || e.unconfirmed;
  /** Out of records: none in hand, none known to wait, and the broker said none arrived. */
  const atEnd = (e: Entry): boolean => e.batches === 0 && !e.backlog && !e.unconfirmed;
  const slots = (): number => options.limit() * options.callsPerRecord;

  /**
   * Each partition's share of the call slots and of the held records. A partition at its end
   * claims only what its records in flight may still call, when that is less than an equal
   * share; the partitions with records to take share the rest equally.
   */
  function shares(): Shares {
    const cpr = options.callsPerRecord;
    const ending: Entry[] = [];
    let rest = 0;
    for (const e of entries.values())
      if (hasWork(e)) {
        rest += 1;
        if (atEnd(e)) ending.push(e);
      }
    ending.sort((a, b) => a.processing - b.processing);
    let restCalls = slots();
    let restHeld = options.limit();
    const claimed = new Set<Entry>();
    for (const e of ending) {
      if (e.processing * cpr >= restCalls / rest) break;
      claimed.add(e);
      restCalls -= e.processing * cpr;
      restHeld -= e.processing;
      rest -= 1;
    }
    const callShare = Math.ceil(restCalls / Math.max(1, rest));
    const heldShare = 2 * Math.ceil(restHeld / Math.max(1, rest));
    return {
      calls: (e) => (claimed.has(e) ? e.processing * cpr : callShare),
      held: (e) => (claimed.has(e) ? e.processing : heldShare),
    };
  }
  // A revoked partition's calls are being aborted: they take any free slot, to end soon.
  const mayCall = (entry: Entry, share: Shares): boolean =>
    calls < slots() && (!current(entry) || entry.calls < share.calls(entry));
  const open = (entry: Entry, share: Shares): boolean =>
    entry.calls + entry.queued < share.calls(entry) && entry.processing < share.held(entry);

  /** Gives free slots to queued calls within their share (first come first served), resumes. */
  function settle(): void {
    const share = shares();
    for (let i = 0; i < queue.length && calls < slots();) {
      const waiting = queue[i];
      if (waiting === undefined || !mayCall(waiting.entry, share)) {
        i += 1;
        continue;
      }
      queue.splice(i, 1);
      waiting.entry.queued -= 1;
      waiting.entry.calls += 1;
      calls += 1;
      waiting.start();
    }
    if (!stopped)
      for (const entry of entries.values())
        if (entry.paused && open(entry, share)) {
          entry.paused = false;
          // Its records wait for a fetch: batches waiting for room leave, so one starts now
          // (kafkajs fetches only once every batch of the last fetch is done).
          entry.starved = entry.backlog;
          options.resume(entry.partition);
        }
    preemptForWaiting(share);
    options.onCalls?.(calls);
    options.changed();
  }

  /**
   * Four times the median of the recent successful calls, at least the floor. Before 8 calls have
   * answered the median says little (a slow model's first calls are all still running): six
   * times the floor.
   */
  function preemptAfterMs(): number {
    if (threshold === undefined) {
      const sorted = [...durations].sort((a, b) => a - b);
      threshold =
        sorted.length < 8
          ? 6 * preemptFloorMs
          : Math.max(preemptFloorMs, 4 * (sorted[Math.floor(sorted.length / 2)] ?? 0));
    }
    return threshold;
  }

  /**
   * A call that has waited `preemptAfterMs` within its partition's share while every slot is
   * taken gets a slot back from a partition beyond its share: that partition's oldest call, once
   * it too has run `preemptAfterMs`, is aborted. What is not yet due is looked at again when due.
   */
  function preemptForWaiting(share: Shares): void {
    if (stopped || calls < slots() || queue.length === 0) return;
    const after = preemptAfterMs();
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    const wanting = new Map<Entry, number>();
    let wanted = 0;
    for (const { entry, since } of queue) {
      const given = wanting.get(entry) ?? 0;
      if (!current(entry) || entry.calls + given >= share.calls(entry)) continue;
      wanting.set(entry, given + 1);
      if (since + after <= now) wanted += 1;
      else soonest = Math.min(soonest, since + after);
    }
    for (const e of entries.values()) wanted -= e.preempting;
    if (wanted > 0)
      for (const e of entries.values()) {
        let beyond = e.calls - e.preempting - share.calls(e);
        for (const call of e.active) {
          if (wanted <= 0 || beyond <= 0) break;
          if (call.preempt.signal.aborted) continue;
          const due = call.startedAt + after;
          if (due > now) {
            soonest = Math.min(soonest, due);
            break;
          }
          call.preempt.abort();
          e.preempting += 1;
          beyond -= 1;
          wanted -= 1;
        }
      }
    if (soonest < Number.POSITIVE_INFINITY && preemptTimer === undefined) {
      preemptTimer = setTimeout(() => {
        preemptTimer = undefined;
        settle();
      }, soonest - now);
      preemptTimer.unref();
    }
  }

  /** Out of records in hand, with only the probe to say whether more arrived. */
  const endUnconfirmed = (e: Entry): boolean => e.unconfirmed && e.batches === 0;
  /** Out of records in hand and in flight, unconfirmed. */
  const idleUnconfirmed = (e: Entry): boolean => endUnconfirmed(e) && e.processing === 0;

  /**
   * The partition ran out of records in hand. With no other partition having work, nobody can
   * take its share before the next fetch, which would bring its new records with theirs: no need
   * to ask.
   */
  function wentIdle(entry: Entry): void {
    for (const e of entries.values())
      if (e !== entry && hasWork(e)) {
        probe();
        return;
      }
    entry.unconfirmed = false;
  }

  /** Reads the high watermarks for the partitions idle but unconfirmed (one probe at a time). */
  function probe(): void {
    if (stopped) return;
    if (probing) {
      probeAgain = true;
      return;
    }
    // Only what was out of records when the watermarks were asked: one that ran out since asks
    // again.
    const asked = [...entries.values()]
      .filter(endUnconfirmed)
      .map((entry) => ({ entry, seenHigh: entry.seenHigh }));
    if (asked.length === 0) return;
    probing = true;
    probeAgain = false;
    options
      .probe()
      .then((highs) => {
        for (const { entry, seenHigh } of asked) {
          const high = highs.get(entry.partition);
          if (high === undefined || !endUnconfirmed(entry) || entry.seenHigh !== seenHigh) continue;
          entry.unconfirmed = false;
          // Records arrived since its last batch: a fetch must bring them.
          if (high > seenHigh) {
            entry.backlog = true;
            entry.starved = true;
          }
        }
      })
      .catch((error: unknown) => {
        probeAgain = false;
        options.onProbeError?.(error);
      })
      .finally(() => {
        probing = false;
        settle();
        if (probeAgain) probe();
      });
  }

  async function slot<T>(
    entry: Entry,
    call: (preempted: AbortSignal) => Promise<T>,
    record: AbortSignal | undefined,
  ): Promise<T> {
    for (;;) {
      const share = shares();
      if (mayCall(entry, share)) {
        entry.calls += 1;
        calls += 1;
        options.onCalls?.(calls);
      } else {
        entry.queued += 1;
        const started = new Promise<void>((start) =>
          queue.push({ entry, start, since: Date.now() }),
        );
        // Looked at again once it has waited the pre-emption time.
        preemptForWaiting(share);
        await started;
      }
      const held: Call = { startedAt: Date.now(), preempt: new AbortController() };
      entry.active.add(held);
      try {
        const value = await call(held.preempt.signal);
        durations[nextDuration] = Date.now() - held.startedAt;
        nextDuration = (nextDuration + 1) % recentCalls;
        if (durations.length <= 8 || nextDuration % 16 === 0) threshold = undefined;
        return value;
      } catch (error) {
        // Pre-empted: made again below, in a slot of its partition's share (unless the record
        // itself was abandoned meanwhile).
        if (!held.preempt.signal.aborted || record?.aborted === true) throw error;
      } finally {
        entry.active.delete(held);
        if (held.preempt.signal.aborted) entry.preempting -= 1;
        entry.calls -= 1;
        calls -= 1;
        settle();
      }
    }
  }

  return {
    assign(partitions) {
      const kept = new Set(partitions);
      for (const [partition, entry] of entries) {
        if (kept.has(partition)) {
          // kafkajs forgets pauses when it restarts a crashed consumer: pausing again is harmless.
          if (entry.paused && !stopped) options.pause(partition);
          continue;
        }
        entries.delete(partition);
        entry.unconfirmed = false;
        if (entry.paused && !stopped) options.resume(partition);
      }
      for (const partition of kept) entryOf(partition);
      settle();
    },
    enter(partition) {
      const entry = entryOf(partition);
      entry.batches += 1;
      entry.starved = false;
      let left = false;
      return ({ reason, backlog, highWatermark }) => {
        if (left || !current(entry)) return;
        left = true;
        entry.batches -= 1;
        entry.backlog = backlog;
        // Out of records in hand with more waiting (its batch ended, or it left after waiting in
        // vain without being paused): it needs a fetch. A batch that yielded gets one anyway.
        entry.starved = reason !== 'yield' && backlog;
        entry.unconfirmed = reason === 'end' && !backlog;
        entry.seenHigh = highWatermark;
        if (reason === 'stall' && backlog && !stopped && !entry.paused && !open(entry, shares())) {
          entry.paused = true;
          options.pause(partition);
        }
        if (endUnconfirmed(entry)) wentIdle(entry);
        settle();
      };
    },
    mayBegin(partition) {
      return open(entryOf(partition), shares());
    },
    begin(partition, signal) {
      const entry = entryOf(partition);
      entry.processing += 1;
      let ended = false;
      return {
        slot: (call) => slot(entry, call, signal),
        end: () => {
          if (ended) return;
          ended = true;
          entry.processing -= 1;
          // Its whole share goes only on the broker's word of now: records that arrived since it
          // was found at its end would otherwise find every slot taken.
          if (current(entry) && atEnd(entry) && entry.processing === 0) entry.unconfirmed = true;
          if (current(entry) && idleUnconfirmed(entry)) wentIdle(entry);
          settle();
        },
      };
    },
    othersStarved(partition) {
      for (const e of entries.values())
        if (e.partition !== partition && e.starved && e.batches === 0 && !e.paused) return true;
      return false;
    },
    othersOutside(partition) {
      for (const e of entries.values())
        if (e.partition !== partition && e.batches === 0 && !e.paused) return true;
      return false;
    },
    fetchStarted() {
      for (const e of entries.values()) if (e.batches === 0) e.starved = false;
      // A probe that failed is tried again (one that is running covers them).
      if (!probing && [...entries.values()].some(endUnconfirmed)) probe();
    },
    stop() {
      stopped = true;
      clearTimeout(preemptTimer);
    },
  };
}
