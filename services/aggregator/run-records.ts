import { scanTopic } from '../../lib/kafka/scan.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { Judgment, PromptPair, ResponsePair } from '../../lib/records/types.gen.ts';

/** Everything stored about one run: its prompts and responses by pair id, judgments by judge. */
export interface RunRecords {
  runId: string;
  prompts: Map<string, PromptPair>;
  responses: Map<string, ResponsePair>;
  /** Judge id → pair id → judgment. */
  judgments: Map<string, Map<string, Judgment>>;
}

/** Pair ids in a stable order: numerically when they are all integers, else as strings. */
export function sortedPairIds(ids: Iterable<string>): string[] {
  const all = [...ids];
  const numeric = all.every((id) => /^-?\d{1,15}$/.test(id));
  return all.sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads one run's records from the prompts, responses and judgments topics, up to their current
 * ends, selecting by key (`runId/…`) before decoding, and only one judge's judgments when
 * `judgeId` is given. A key seen twice (at-least-once delivery) counts once, the first record
 * kept, as the aggregator counts it.
 */
export async function readRunRecords(
  pipeline: Pipeline,
  runId: string,
  judgeId: string | null,
): Promise<RunRecords> {
  const prefix = `${runId}/`;
  const { names, codecs } = pipeline;
  const records: RunRecords = {
    runId,
    prompts: new Map(),
    responses: new Map(),
    judgments: new Map(),
  };
  await Promise.all([
    scanTopic(
      pipeline.kafka,
      names.prompts,
      async (message) => {
        const prompt = await codecs.prompt.decode(message.value);
        if (!records.prompts.has(prompt.pairId)) records.prompts.set(prompt.pairId, prompt);
      },
      { select: (key) => key.startsWith(prefix) },
    ),
    scanTopic(
      pipeline.kafka,
      names.responses,
      async (message) => {
        const response = await codecs.response.decode(message.value);
        if (!records.responses.has(response.pairId))
          records.responses.set(response.pairId, response);
      },
      { select: (key) => key.startsWith(prefix) },
    ),
    scanTopic(
      pipeline.kafka,
      names.judgments,
      async (message) => {
        const judgment = await codecs.judgment.decode(message.value);
        let byPair = records.judgments.get(judgment.judgeId);
        if (byPair === undefined) {
          byPair = new Map();
          records.judgments.set(judgment.judgeId, byPair);
        }
        if (!byPair.has(judgment.pairId)) byPair.set(judgment.pairId, judgment);
      },
      {
        select: (key) =>
          key.startsWith(prefix) && (judgeId === null || key.endsWith(`/${judgeId}`)),
      },
    ),
  ]);
  return records;
}
