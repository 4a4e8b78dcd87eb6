import { pairKey } from '../../lib/ids.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { ModelSettings } from '../../lib/config/sections.ts';
import type { DatasetSelection, PromptPair, RunConfig } from '../../lib/records/types.gen.ts';
import type { DatasetRow } from './dataset.ts';

export function promptRecord(
  runId: string,
  run: RunConfig,
  row: DatasetRow,
  now: number,
): PromptPair {
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
    articleTitle: row.articleTitle,
    producedAt: now,
  };
}

/**
 * Publishes the selected rows as prompt records keyed runId/pairId, in batches, each batch
 * acknowledged by all in-sync replicas. Publishing the same run again publishes the same keys:
 * the aggregator counts each judgment key once.
 */
export async function publishPrompts(
  pipeline: Pipeline,
  runId: string,
  run: RunConfig,
  rows: readonly DatasetRow[],
  onProgress: (published: number) => void = () => undefined,
  batchSize = 500,
): Promise<number> {
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  try {
    const publisher = createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts);
    const now = Date.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      await publisher.publish(
        batch.map((row) => ({
          key: pairKey(runId, row.id),
          value: promptRecord(runId, run, row, now),
        })),
      );
      onProgress(Math.min(rows.length, i + batchSize));
    }
  } finally {
    await producer.disconnect();
  }
  return rows.length;
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
