/**
 * Per-partition offset bookkeeping for out-of-order completion. Offsets arrive in order and finish
 * in any order; the committable offset is the lowest one still in flight, or one past the highest
 * seen when none is: everything below it is durably done.
 */
export interface PartitionOffsets {
  begin(offset: bigint): void;
  finish(offset: bigint): void;
  /** The offset to commit (next to read), or undefined if nothing was seen. */
  committable(): bigint | undefined;
  inFlight(): readonly bigint[];
}

export function createPartitionOffsets(): PartitionOffsets {
  const pending: bigint[] = [];
  let highest: bigint | undefined;
  return {
    begin(offset) {
      pending.push(offset);
      if (highest === undefined || offset > highest) highest = offset;
    },
    finish(offset) {
      const index = pending.indexOf(offset);
      if (index !== -1) pending.splice(index, 1);
    },
    committable() {
      if (pending.length > 0) return pending.reduce((a, b) => (b < a ? b : a));
      return highest === undefined ? undefined : highest + 1n;
    },
    inFlight() {
      return pending;
    },
  };
}
