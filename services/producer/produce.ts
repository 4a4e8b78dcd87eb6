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
 * Publishes the selected rows as prompt records keyed runId/pairId, in batches, each batch
 * acknowledged by all in-sync replicas, skipping the pairs of this run already on the topic: a
 * run published again (a retried deploy hook, `valbench run` resumed after Ctrl-C, a producer
 * killed half way) asks the model nothing it was asked before. With `admit`, each pair is
 * published on its own once admitted, and the first refusal ends intake: the pairs left are
 * returned as `withheld`. Returns how many were published now and how many were there already.
 */
export async function publishPrompts(
  pipeline: Pipeline,
  runId: string,
  run: RunConfig,
  allRows: readonly DatasetRow[],
  onProgress: (published: number) => void = () => undefined,
  options: { batchSize?: number; admit?: IntakeAdmit } = {},
): Promise<{ published: number; alreadyPublished: number; withheld: string[] }> {
  const { batchSize = 500, admit } = options;
  const already = await publishedPairIds(pipeline, runId);
  const rows = allRows.filter((row) => !already.has(row.id));
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  let published = 0;
  let withheld: string[] = [];
  try {
    const publisher = createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts);
    const now = Date.now();
    while (published < rows.length) {
      const next = rows[published];
      if (admit !== undefined && next !== undefined && !(await admit(next))) {
        withheld = rows.slice(published).map((row) => row.id);
        break;
      }
      const batch = rows.slice(published, published + (admit === undefined ? batchSize : 1));
      await publisher.publish(
        batch.map((row) => ({
          key: pairKey(runId, row.id),
          value: promptRecord(runId, run, row, now),
        })),
      );
      published += batch.length;
      onProgress(published);
    }
  } finally {
    await producer.disconnect();
  }
  return { published, alreadyPublished: allRows.length - rows.length, withheld };
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
