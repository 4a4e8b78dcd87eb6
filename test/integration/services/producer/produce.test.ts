/**
 * The producer publishes a dataset as it reads it, on the real broker and registry: every
 * selected row ends on the prompts topic, while the rows read ahead of what Kafka acknowledged
 * never exceed one batch (counted at the generator that feeds it, not by RSS). Published again,
 * the same run publishes nothing new.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../lib/log.ts';
import { openPipeline, type Pipeline } from '../../../../lib/pipeline.ts';
import type { DatasetRow } from '../../../../services/producer/dataset.ts';
import { publishPrompts } from '../../../../services/producer/produce.ts';
import { loadDataset } from '../../../../services/producer/source.ts';
import { sampleRun } from '../../../support/fixtures.ts';
import { connectTestCluster, readMessages, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;
let pipeline: Pipeline;
const pairs = 2_300;
const dir = mkdtempSync(join(tmpdir(), 'valbench-produce-'));
const input = join(dir, 'pairs.jsonl');
writeFileSync(
  input,
  Array.from({ length: pairs }, (_, i) =>
    JSON.stringify({
      id: i + 1,
      issue_description: `issue ${i + 1}`,
      for_question: `for ${i + 1}`,
      against_question: `against ${i + 1}`,
      section_text: 'x'.repeat(2_000),
    }),
  ).join('\n'),
);

beforeAll(async () => {
  cluster = await connectTestCluster();
  pipeline = await openPipeline(
    {
      kafka: { brokers: [cluster.brokers], clientId: 'produce-test' },
      registry: { url: cluster.registryUrl },
    },
    { topicPrefix: `${cluster.unique('produce')}.`, partitions: 3 },
    silentLogger(),
  );
});
afterAll(async () => {
  await cluster.close();
});

describe('publishPrompts over a streamed dataset', () => {
  it('publishes every row with at most one batch read ahead of what Kafka acknowledged', async () => {
    const dataset = await loadDataset({
      source: { kind: 'file', path: input },
      split: 'test',
      limit: null,
      sampleSeed: 11,
      pairIds: null,
      valueColumns: { for: null, against: null },
    });
    let pulled = 0;
    let acknowledged = 0;
    let mostAhead = 0;
    async function* counted(): AsyncGenerator<DatasetRow> {
      for await (const row of dataset.rows()) {
        pulled += 1;
        mostAhead = Math.max(mostAhead, pulled - acknowledged);
        yield row;
      }
    }
    const batchSize = 200;
    const result = await publishPrompts(
      pipeline,
      'run-produce-test',
      sampleRun(),
      counted(),
      (published) => {
        acknowledged = published;
      },
      { batchSize },
    );
    expect(result).toEqual({ published: pairs, alreadyPublished: 0, withheld: [] });
    expect(pulled).toBe(pairs);
    expect(mostAhead).toBeLessThanOrEqual(batchSize);
    expect(mostAhead).toBeGreaterThan(0);

    const messages = await readMessages(cluster, pipeline.names.prompts, pairs);
    const keys = new Set(messages.map((m) => m.key?.toString()));
    expect(keys.size).toBe(pairs);
    expect(keys.has(`run-produce-test/1`)).toBe(true);
    expect(keys.has(`run-produce-test/${pairs}`)).toBe(true);

    const again = await publishPrompts(pipeline, 'run-produce-test', sampleRun(), dataset.rows());
    expect(again).toEqual({ published: 0, alreadyPublished: pairs, withheld: [] });
  }, 120_000);
});
