import { pairKey } from '../../lib/ids.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import { scanKeys, scanTopic } from '../../lib/kafka/scan.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { DeadLetter, ResponsePair, RunConfig } from '../../lib/records/types.gen.ts';
import { pairFields, publishPrompts } from './produce.ts';
import type { ImportedPair } from './reference-responses.ts';

/** The dead-letter stage and code of an imported pair that has no answer to import. */
export const IMPORT_STAGE = 'import';
export const RESPONSE_MISSING = 'RESPONSE_MISSING';

export interface ImportOutcome {
  prompts: { published: number; alreadyPublished: number };
  responses: { published: number; alreadyPublished: number };
  missing: { published: number; alreadyPublished: number; pairIds: string[] };
}

function responseRecord(
  runId: string,
  run: RunConfig,
  pair: ImportedPair,
  now: number,
): ResponsePair | null {
  if (pair.answers === null) return null;
  return {
    ...pairFields(runId, run, pair.row),
    forResponse: pair.answers.for,
    againstResponse: pair.answers.against,
    simulated: false,
    respondedAt: now,
  };
}

function deadLetterOf(runId: string, pair: ImportedPair, now: number): DeadLetter | null {
  if (pair.answers !== null) return null;
  const original = JSON.stringify(pair.raw, (_, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
  return {
    stage: IMPORT_STAGE,
    errorCode: RESPONSE_MISSING,
    reason: `pair ${pair.row.id} imported without answers: ${pair.missing}`,
    sourceTopic: null,
    sourcePartition: null,
    sourceOffset: null,
    key: Buffer.from(pairKey(runId, pair.row.id)),
    value: Buffer.from(original),
    runId,
    attempts: 1,
    failedAt: now,
  };
}

/** Pair ids of the run whose missing answers are already on the dead-letter topic. */
async function deadLetteredPairIds(pipeline: Pipeline, runId: string): Promise<Set<string>> {
  const prefix = `${runId}/`;
  const found = new Set<string>();
  await scanTopic(
    pipeline.kafka,
    pipeline.names.deadLetters,
    async (message) => {
      const letter = await pipeline.codecs.deadLetter.decode(message.value);
      if (letter.stage === IMPORT_STAGE && letter.errorCode === RESPONSE_MISSING)
        found.add(message.key.toString().slice(prefix.length));
    },
    { select: (key) => key.startsWith(prefix) },
  );
  return found;
}

/**
 * Publishes an imported run: every pair's prompt (the run's selection, skipping those already
 * on the topic), the answers of the pairs that have both as response records keyed
 * runId/pairId, and, for a pair without answers, a dead letter RESPONSE_MISSING (stage
 * `import`) with the reason, never a response: no judge scores it. Pairs already on the
 * responses or dead-letter topic are skipped, so importing the same file twice publishes
 * nothing new. The run's provider is `imported`, which no responder serves: its prompts are
 * never sent to a model.
 */
export async function publishImport(
  pipeline: Pipeline,
  runId: string,
  run: RunConfig,
  pairs: readonly ImportedPair[],
  batchSize = 500,
): Promise<ImportOutcome> {
  const prompts = await publishPrompts(
    pipeline,
    runId,
    run,
    pairs.map((p) => p.row),
  );
  const prefix = `${runId}/`;
  const answered = new Set<string>();
  await scanKeys(pipeline.kafka, pipeline.names.responses, (key) => {
    if (key.startsWith(prefix)) answered.add(key.slice(prefix.length));
  });
  const lettered = await deadLetteredPairIds(pipeline, runId);
  const now = Date.now();
  const responses = pairs.flatMap((pair) => {
    const record = answered.has(pair.row.id) ? null : responseRecord(runId, run, pair, now);
    return record === null ? [] : [{ key: pairKey(runId, record.pairId), value: record }];
  });
  const missing = pairs.filter((p) => p.answers === null);
  const letters = missing.flatMap((pair) => {
    const letter = lettered.has(pair.row.id) ? null : deadLetterOf(runId, pair, now);
    return letter === null ? [] : [{ key: pairKey(runId, pair.row.id), value: letter }];
  });
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  try {
    const responsePublisher = createPublisher(
      producer,
      pipeline.codecs.response,
      pipeline.names.responses,
    );
    for (let i = 0; i < responses.length; i += batchSize)
      await responsePublisher.publish(responses.slice(i, i + batchSize));
    const letterPublisher = createPublisher(
      producer,
      pipeline.codecs.deadLetter,
      pipeline.names.deadLetters,
    );
    for (let i = 0; i < letters.length; i += batchSize)
      await letterPublisher.publish(letters.slice(i, i + batchSize));
  } finally {
    await producer.disconnect();
  }
  const withAnswers = pairs.length - missing.length;
  return {
    prompts,
    responses: { published: responses.length, alreadyPublished: withAnswers - responses.length },
    missing: {
      published: letters.length,
      alreadyPublished: missing.length - letters.length,
      pairIds: missing.map((p) => p.row.id),
    },
  };
}
