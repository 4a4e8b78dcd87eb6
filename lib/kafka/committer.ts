import type { Consumer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ValbenchError } from '../errors.ts';
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
 * Commits each partition's commit point (the lowest unfinished offset, and the unfinished ones
 * above it in the metadata) and only then frees the pool slots of the records it covers. So at
 * most the pool's limit of records are ever processed and uncommitted: a process killed at any
 * moment repeats no more than that.
 */
export function createCommitter(options: CommitterOptions): Committer {
  const { consumer, partitions, log } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let failingSince: number | undefined;

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
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      for (const { partition, state, releases } of sent) {
        if (partitions.get(partition) === state) state.awaitingCommit.unshift(...releases);
        else for (const release of releases) release();
      }
      if (isRebalanceError(error) || !options.inGroup()) {
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
    failingSince = undefined;
    options.connectivity.succeeded();
    for (const { state, point, releases } of sent) {
      state.committed = point;
      for (const release of releases) release();
    }
    return true;
  }

  async function loop(): Promise<void> {
    do {
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
      await within(commitOnce(), Math.max(0, ends - Date.now()));
    },
    close() {
      closed = true;
    },
  };
}
