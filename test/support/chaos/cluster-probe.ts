/**
 * Short questions to the broker while it may be down: log ends and a group's committed offsets.
 * Each answers undefined instead of waiting when the broker does not answer, so the harness keeps
 * its clock (recovery is measured while the broker restarts).
 */
import type { Admin, Kafka } from 'kafkajs';

/** An offset per partition. */
export type Offsets = Map<number, number>;

export interface ClusterProbe {
  /** Each partition's log start and end (the next offset to be written). */
  logRange(topic: string): Promise<{ start: Offsets; end: Offsets } | undefined>;
  /** The group's committed offset per partition (-1: none committed). */
  committed(groupId: string, topic: string): Promise<Offsets | undefined>;
  close(): Promise<void>;
}

export function createClusterProbe(kafka: Kafka): ClusterProbe {
  let admin: Admin | undefined;
  const connected = async (): Promise<Admin> => {
    if (admin === undefined) {
      const fresh = kafka.admin({ retry: { retries: 0 } });
      await fresh.connect();
      admin = fresh;
    }
    return admin;
  };
  const ask = async <T>(question: (a: Admin) => Promise<T>): Promise<T | undefined> => {
    try {
      return await question(await connected());
    } catch {
      // Reconnect next time: the broker may have restarted under this client.
      const stale = admin;
      admin = undefined;
      await stale?.disconnect().catch(() => undefined);
      return undefined;
    }
  };
  return {
    logRange: (topic) =>
      ask(async (a) => {
        const offsets = await a.fetchTopicOffsets(topic);
        return {
          start: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
          end: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
        };
      }),
    committed: (groupId, topic) =>
      ask(async (a) => {
        const [found] = await a.fetchOffsets({ groupId, topics: [topic] });
        return new Map((found?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      }),
    async close() {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
