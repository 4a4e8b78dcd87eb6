/**
 * Per-partition offset bookkeeping for out-of-order completion (the Confluent Parallel Consumer
 * design). Offsets arrive in order and finish in any order. A commit point is the lowest
 * offset not yet done plus, in the commit metadata, which offsets above it are still incomplete:
 * a member that takes the partition over (after a rebalance, a restart or a SIGKILL) skips every
 * offset the metadata says is done, so finished work is never repeated, only work that was in
 * flight.
 *
 * Invariant: every offset below `high` that is not incomplete (in flight, or known unfinished
 * from the metadata) is done: its outputs were durably produced or it was dead-lettered.
 */
export interface PartitionOffsets {
  /**
   * Takes an offset for processing: false when it needs none, because it is done already or in
   * flight (a redelivery after a rebalance or a restart).
   */
  begin(offset: bigint): boolean;
  finish(offset: bigint): void;
  /** What to commit now: the next offset to read and the metadata naming incomplete ones above. */
  commitPoint(): CommitPoint | undefined;
  /** Offsets taken and not finished. */
  inFlight(): number;
}

export interface CommitPoint {
  offset: bigint;
  metadata: string;
}

/** Brokers refuse commit metadata over `offset.metadata.max.bytes` (4096 by default). */
const maxMetadataBytes = 3_800;
const version = 'vb1';

/** Encodes `high` and the incomplete offsets above `offset` as base-36 deltas. */
export function encodeCommitMetadata(offset: bigint, high: bigint, incomplete: bigint[]): string {
  const sorted = incomplete.filter((o) => o > offset).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let end = high;
  const parts: string[] = [];
  let previous = offset;
  let length = version.length + 24;
  for (const o of sorted) {
    const part = (o - previous).toString(36);
    // Too many to name: claim nothing from here on (the rest is redone, never skipped).
    if (length + part.length + 1 > maxMetadataBytes) {
      end = o;
      break;
    }
    parts.push(part);
    length += part.length + 1;
    previous = o;
  }
  return `${version}:${(end - offset).toString(36)}:${parts.join('.')}`;
}

/** The done/incomplete state a commit point's metadata describes, or null for foreign metadata. */
export function decodeCommitMetadata(
  offset: bigint,
  metadata: string | null,
): { high: bigint; incomplete: bigint[] } | null {
  if (metadata === null) return null;
  const match = /^vb1:([0-9a-z]+):([0-9a-z.]*)$/.exec(metadata);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  const high = offset + BigInt(parseInt36(match[1]));
  const incomplete: bigint[] = [offset];
  let previous = offset;
  for (const part of match[2] === '' ? [] : match[2].split('.')) {
    previous += BigInt(parseInt36(part));
    if (previous >= high) break;
    incomplete.push(previous);
  }
  return { high, incomplete };
}

function parseInt36(text: string): number {
  const value = Number.parseInt(text, 36);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/**
 * A tracker for one partition, starting from its committed offset and metadata when the group
 * has them (offset -1 or absent: nothing committed yet).
 */
export function createPartitionOffsets(
  committed: { offset: bigint; metadata: string | null } | null = null,
): PartitionOffsets {
  const pending = new Set<bigint>();
  // Offsets the metadata names as unfinished: to be done when they are delivered again.
  const redo = new Set<bigint>();
  let base: bigint | undefined;
  let high: bigint | undefined;
  if (committed !== null && committed.offset >= 0n) {
    base = committed.offset;
    high = committed.offset;
    const known = decodeCommitMetadata(committed.offset, committed.metadata);
    if (known !== null && known.high > committed.offset) {
      high = known.high;
      for (const o of known.incomplete) redo.add(o);
    }
  }
  const lowest = (set: Set<bigint>): bigint | undefined => {
    let min: bigint | undefined;
    for (const o of set) if (min === undefined || o < min) min = o;
    return min;
  };
  return {
    begin(offset) {
      // Offsets arrive in order from where the consumer was placed (the group's committed
      // offset, after a join): one to redo below this one that did not arrive never will, because
      // the group committed past it (another member did it while this one was out of the group,
      // and the partition came back). It is done; waiting for it would hold the commit for good.
      for (const o of redo) if (o < offset) redo.delete(o);
      if (base !== undefined && offset < base) return false;
      if (high !== undefined && offset < high) {
        if (!redo.delete(offset)) return false;
        pending.add(offset);
        return true;
      }
      // Offsets skipped between high and this one (compaction, transaction markers) are done.
      pending.add(offset);
      high = offset + 1n;
      return true;
    },
    finish(offset) {
      pending.delete(offset);
    },
    commitPoint() {
      if (high === undefined) return undefined;
      const a = lowest(pending);
      const b = lowest(redo);
      const next = a === undefined ? b : b === undefined || a < b ? a : b;
      const offset = next ?? high;
      return { offset, metadata: encodeCommitMetadata(offset, high, [...pending, ...redo]) };
    },
    inFlight() {
      return pending.size;
    },
  };
}
