import type { Consumer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValbenchError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { within } from '../within.ts';
import type { Connectivity } from './connectivity.ts';
import { classifyKafkaError, isRebalanceError } from './errors.ts';
import type { CommitPoint, PartitionOffsets } from './offsets.ts';

/** What the stage keeps per assigned partition. */
export interface PartitionState {
  tracker: PartitionOffsets;
  /** Aborted when the partition is revoked or the stage gives up on in-flight work. */
  abort: AbortController;
  /** Pool slots of records finished (outputs produced) whose completion is not committed yet. */
  awaitingCommit: (() => void)[];
  committed: CommitPoint | undefined;
}

export interface Committer {
  /** Commits finished work soon; several calls while a commit runs make one more commit. */
  schedule(): void;
  /** Waits for the running commit, then commits once more, within the time given. */
  flush(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface CommitterOptions {
  consumer: Consumer;
  topic: string;
  brokers: readonly string[];
  partitions: ReadonlyMap<number, PartitionState>;
  connectivity: Connectivity;
  log: Logger;
  /** How long commits may keep failing before the stage stops. */
  deadlineMs: number;
  /** False while the consumer is out of its group (rebalancing, restarting after a crash). */
  inGroup: () => boolean;
  onFatal: (error: ValbenchError) => void;
}

const retryDelayMs = 500;
/**
 * Commits start at most this often: records finishing one after another share a commit instead
 * of each costing an offset-commit request (hundreds a second per stage at full speed). The
 * records waiting for it still count as held, so the bound on what a crash repeats is unchanged.
 */
const commitIntervalMs = 20;

/**
 * Commits each partition's commit point (the lowest unfinished offset, and the unfinished ones
 * above it in the metadata) and only then lets go of the records it covers. So the stage's
 * bound on held records bounds the processed-but-uncommitted ones: a process killed at any
 * moment repeats no more than that. A commit counts as made only when kafkajs reports it sent
 * (its COMMIT_OFFSETS event); one it resolved without sending is tried again.
 */
export function createCommitter(options: CommitterOptions): Committer {
  const { consumer, partitions, log } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let failingSince: number | undefined;
  // kafkajs resolves commitOffsets WITHOUT committing while its fetch loop is stopped (between a
  // consumer crash and its restart, or when the loop stops while kafkajs retries the commit).
  // Only its COMMIT_OFFSETS event says the broker took a commit: one taken as done without it
  // would never be sent again once its partition has nothing more to finish, and the group's
  // offset would stay behind its end for good.
  const accepted = new Set<string>();
  const key = (partition: number, offset: string | bigint): string => `${partition}@${offset}`;
  // Between the stop of a crashed consumer and its CRASH event (the stage still counts itself in
  // the group), kafkajs refuses a commit with a non-retriable error: a wait, not a fatal error.
  let stopped = false;
  const listeners = [
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const { topic, partitions: done } of payload.topics)
        if (topic === options.topic)
          // Typed as a string; a Long at run time, whose template string is its decimal too.
          for (const { partition, offset } of done) accepted.add(key(partition, offset));
    }),
    consumer.on(consumer.events.STOP, () => {
      stopped = true;
    }),
    consumer.on(consumer.events.GROUP_JOIN, () => {
      stopped = false;
    }),
  ];

  async function commitOnce(): Promise<boolean> {
    // Out of the group (kafkajs restarting the consumer): commit after the rejoin.
    if (!options.inGroup()) return false;
    const offsets: { topic: string; partition: number; offset: string; metadata: string }[] = [];
    const sent: {
      partition: number;
      state: PartitionState;
      point: CommitPoint;
      releases: (() => void)[];
    }[] = [];
    for (const [partition, state] of partitions) {
      const point = state.tracker.commitPoint();
      const releases = state.awaitingCommit.splice(0);
      const same =
        point === undefined ||
        (state.committed?.offset === point.offset && state.committed.metadata === point.metadata);
      if (same) {
        for (const release of releases) release();
        continue;
      }
      offsets.push({
        topic: options.topic,
        partition,
        offset: point.offset.toString(),
        metadata: point.metadata,
      });
      sent.push({ partition, state, point, releases });
    }
    if (offsets.length === 0) return true;
    const requeue = (): void => {
      for (const { partition, state, releases } of sent) {
        if (partitions.get(partition) === state) state.awaitingCommit.unshift(...releases);
        else for (const release of releases) release();
      }
    };
    accepted.clear();
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      requeue();
      if (isRebalanceError(error) || !options.inGroup() || stopped) {
        log.debug({ partitions: offsets.length }, 'commit waits for the rebalance to finish');
        return false;
      }
      const classified = classifyKafkaError(
        error,
        `committing offsets of ${options.topic}`,
        options.brokers,
      );
      if (classified.kind !== 'retriable') {
        options.onFatal(classified);
        return true;
      }
      options.connectivity.failed(classified.message);
      failingSince ??= Date.now();
      if (Date.now() - failingSince > options.deadlineMs) {
        options.onFatal(classified);
        return true;
      }
      return false;
    }
    if (!sent.every(({ partition, point }) => accepted.has(key(partition, point.offset)))) {
      requeue();
      log.debug({ partitions: offsets.length }, 'commit not sent (the consumer restarts): retried');
      // A consumer that never runs again would hold the slots for good: past the deadline, stop.
      failingSince ??= Date.now();
      if (Date.now() - failingSince > options.deadlineMs) {
        options.onFatal(
          new ValbenchError(
            'fatal',
            'COMMIT_NOT_SENT',
            `offsets of ${options.topic} could not be committed for ${Math.round(options.deadlineMs / 1000)} s: the consumer does not run`,
          ),
        );
        return true;
      }
      return false;
    }
    failingSince = undefined;
    options.connectivity.succeeded();
    for (const { state, point, releases } of sent) {
      state.committed = point;
      for (const release of releases) release();
    }
    return true;
  }

  let lastCommit = 0;
  async function loop(): Promise<void> {
    do {
      const wait = lastCommit + commitIntervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (closed) return;
      lastCommit = Date.now();
      again = false;
      if (!(await commitOnce()) && !closed) {
        await sleep(retryDelayMs);
        again = true;
      }
    } while (again && !closed);
  }

  function schedule(): void {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = loop().finally(() => {
      running = undefined;
    });
  }

  return {
    schedule,
    async flush(timeoutMs) {
      const ends = Date.now() + timeoutMs;
      if (running !== undefined) await within(running, timeoutMs);
      // Still committing: a second commit beside it could land an older offset last.
      if (running !== undefined) return;
      await within(commitOnce(), Math.max(0, ends - Date.now()));
    },
    close() {
      closed = true;
      for (const remove of listeners) remove();
    },
  };
}
