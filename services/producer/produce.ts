import { pairKey } from '../../lib/ids.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import { scanKeys } from '../../lib/kafka/scan.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { ModelSettings } from '../../lib/config/sections.ts';
import type { DatasetSelection, PromptPair, RunConfig } from '../../lib/records/types.gen.ts';
import type { DatasetRow } from './dataset.ts';

/** The fields of a pair every record of it carries (prompt, response): its question and labels. */
export function pairFields(runId: string, run: RunConfig, row: DatasetRow) {
  return {
    runId,
    pairId: row.id,
    run,
    issueDescription: row.issueDescription,
    forQuestion: row.forQuestion,
    againstQuestion: row.againstQuestion,
    issueScale: row.issueScale,
    category: row.category,
    forValue: row.forValue,
    againstValue: row.againstValue,
  };
}

export function promptRecord(
  runId: string,
  run: RunConfig,
  row: DatasetRow,
  now: number,
): PromptPair {
  return { ...pairFields(runId, run, row), articleTitle: row.articleTitle, producedAt: now };
}

/** The pair ids of a run already on the prompts topic (published by an earlier attempt). */
export async function publishedPairIds(pipeline: Pipeline, runId: string): Promise<Set<string>> {
  const prefix = `${runId}/`;
  const found = new Set<string>();
  await scanKeys(pipeline.kafka, pipeline.names.prompts, (key) => {
    if (key.startsWith(prefix)) found.add(key.slice(prefix.length));
  });
  return found;
}

/**
 * Asked before each pair when intake is paced (a cost budget): true publishes it, false stops
 * intake there. It may wait (for pairs in flight to finish) before it answers.
 */
export type IntakeAdmit = (row: DatasetRow) => Promise<boolean>;

/**
 * Publishes the selected rows as prompt records keyed runId/pairId as they are read, in batches
 * of `batchSize`, each batch acknowledged by all in-sync replicas before the next rows are read
 * (so at most one batch of rows is in memory), skipping the pairs of this run already on the
 * topic: a run published again (a retried deploy hook, `valbench run` resumed after Ctrl-C, a
 * producer killed half way) asks the model nothing it was asked before. With `admit`, each pair
 * is published on its own once admitted, and the first refusal ends intake: the ids of the pairs
 * left are returned as `withheld`. Returns how many were published now and how many were there
 * already.
 */
export async function publishPrompts(
  pipeline: Pipeline,
  runId: string,
  run: RunConfig,
  rows: AsyncIterable<DatasetRow> | Iterable<DatasetRow>,
  onProgress: (published: number) => void = () => undefined,
  options: { batchSize?: number; admit?: IntakeAdmit } = {},
): Promise<{ published: number; alreadyPublished: number; withheld: string[] }> {
  const { admit } = options;
  const batchSize = admit === undefined ? (options.batchSize ?? 500) : 1;
  const already = await publishedPairIds(pipeline, runId);
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  let published = 0;
  let alreadyPublished = 0;
  const withheld: string[] = [];
  try {
    const publisher = createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts);
    const now = Date.now();
    let batch: DatasetRow[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await publisher.publish(
        batch.map((row) => ({
          key: pairKey(runId, row.id),
          value: promptRecord(runId, run, row, now),
        })),
      );
      published += batch.length;
      batch = [];
      onProgress(published);
    };
    for await (const row of rows) {
      if (already.has(row.id)) {
        alreadyPublished += 1;
        continue;
      }
      // Once refused, the rest is only listed (ids), never published.
      if (withheld.length > 0 || (admit !== undefined && !(await admit(row)))) {
        withheld.push(row.id);
        continue;
      }
      batch.push(row);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return { published, alreadyPublished, withheld };
}

/** The run's configuration: what its id is a hash of. */
export function runConfigOf(
  model: ModelSettings,
  endpoint: { provider: string; endpoint: string },
  dataset: DatasetSelection,
): RunConfig {
  return {
    provider: endpoint.provider,
    endpoint: endpoint.endpoint,
    model: model.model,
    deployment: model.deployment,
    systemPrompt: model.systemPrompt,
    temperature: model.temperature,
    topP: model.topP,
    maxOutputTokens: model.maxOutputTokens,
    reasoningEffort: model.reasoningEffort,
    webSearch: model.webSearch,
    dataset,
  };
}
