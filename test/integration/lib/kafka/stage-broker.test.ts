/**
 * The stage loop while its broker dies: the broker of a PRIVATE stack is SIGKILLed while the
 * pool's answers are being published, and restarted on its data. No model call is repeated
 * (every record's handler runs once), every output arrives, every offset is committed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackUp } from '../../../../lib/stack/stack.ts';
import { connectCluster, readMessages, waitFor, type TestCluster } from '../../../support/kafka.ts';
import { startPrivateStack, type PrivateStack } from '../../../support/private-stack.ts';
import { stageBench } from '../../../support/stage.ts';

let stack: PrivateStack;
let cluster: TestCluster;

beforeAll(async () => {
  stack = await startPrivateStack('stage-broker');
  cluster = await connectCluster(stack.brokers, stack.registryUrl);
}, 180_000);
afterAll(async () => {
  await cluster.close();
  await stack.remove();
}, 60_000);

describe('a broker killed while outputs are being published', () => {
  it('causes no repeated model call and loses nothing', { timeout: 240_000 }, async () => {
    const pairs = Array.from({ length: 60 }, (_, i) => String(i));
    const bench = await stageBench(cluster, 2);
    await bench.publish(pairs);
    const calls = new Map<string, number>();
    const stage = await bench.start({
      concurrency: 6,
      handle: async (prompt) => {
        calls.set(prompt.pairId, (calls.get(prompt.pairId) ?? 0) + 1);
        await sleep(400);
      },
    });
    try {
      await waitFor(() => calls.size >= 12, 'a dozen records in the pool');
      // The calls in flight now finish while the broker is down: their publishes must wait.
      await stack.kill('kafka');
      await sleep(3_000);
      await stackUp(stack.options);
      await waitFor(
        async () => {
          const offsets = await bench.committed();
          return offsets.reduce((sum, p) => sum + Number(p.offset), 0) === pairs.length;
        },
        'every offset committed after the restart',
        180_000,
      );
      const outputs = await readMessages(cluster, bench.pipeline.names.responses, pairs.length);
      expect(new Set(outputs.map((m) => m.key?.toString()))).toEqual(
        new Set(pairs.map((id) => `run-1/${id}`)),
      );
      expect([...calls.values()].filter((n) => n !== 1)).toEqual([]);
      expect(calls.size).toBe(pairs.length);
    } finally {
      await stage.stop(5_000);
    }
  });
});
