/**
 * `valbench import` on the real broker and registry: a responses dataset in the reference's shape
 * (parquet, built here) becomes a run: its prompts, a response record per pair with both
 * answers, and a dead letter RESPONSE_MISSING for each pair with a "No response" or empty side.
 * Importing the same file again publishes nothing new.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importCommand } from '../../../../cli/commands/import.ts';
import { scanTopic } from '../../../../lib/kafka/scan.ts';
import { silentLogger } from '../../../../lib/log.ts';
import { openPipeline, type Pipeline } from '../../../../lib/pipeline.ts';
import type { DeadLetter, PromptPair, ResponsePair } from '../../../../lib/records/types.gen.ts';
import {
  referenceParquet,
  type ReferenceResponseRow,
} from '../../../support/reference-datasets.ts';
import { connectTestCluster, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;
let pipeline: Pipeline;
let prefix: string;
let env: Record<string, string>;

beforeAll(async () => {
  cluster = await connectTestCluster();
  prefix = `${cluster.unique('import')}.`;
  env = { KAFKA_BROKERS: cluster.brokers, SCHEMA_REGISTRY_URL: cluster.registryUrl };
  pipeline = await openPipeline(
    {
      kafka: { brokers: [cluster.brokers], clientId: 'import-test' },
      registry: { url: cluster.registryUrl },
    },
    { topicPrefix: prefix, partitions: 3 },
    silentLogger(),
  );
});

afterAll(async () => {
  await cluster.close();
});

/** 30 pairs; 4, 11 and 25 have a failed side ("No response"), 17 an empty one. */
const missingIds = ['4', '11', '17', '25'];
const rows: ReferenceResponseRow[] = Array.from({ length: 30 }, (_, i) => {
  const id = i + 1;
  const failed = ['4', '11', '25'].includes(String(id));
  return {
    id,
    article_title: `Article ${id}`,
    issue_scale: id % 4,
    category: id % 3 === 0 ? 'politics' : null,
    issue_description: `Issue ${id}`,
    for_question: `Argue for ${id}.`,
    against_question: `Argue against ${id}.`,
    for_response: {
      content: failed && id !== 11 ? 'No response' : `For answer ${id}`,
      role: 'assistant',
    },
    against_response: {
      content: id === 11 ? 'No response' : id === 17 ? '' : `Against answer ${id}`,
      role: 'assistant',
    },
  };
});

async function importOnce(input: string): Promise<{ printed: string; summary: unknown }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(
      await importCommand(
        [
          '--responses',
          input,
          '--model',
          'ref-model',
          '--deployment',
          'v7',
          '--topic-prefix',
          prefix,
        ],
        env,
      ),
    ).toBe(0);
    const lines = log.mock.calls.map((c) => c.join(' '));
    return { printed: lines.join('\n'), summary: JSON.parse(lines.at(-1) ?? 'null') };
  } finally {
    log.mockRestore();
  }
}

async function recordsOf<T>(
  topic: string,
  runId: string,
  decode: (bytes: Buffer | null) => Promise<T>,
): Promise<T[]> {
  const found: T[] = [];
  await scanTopic(
    pipeline.kafka,
    topic,
    async (message) => {
      found.push(await decode(message.value));
    },
    { select: (key) => key.startsWith(`${runId}/`) },
  );
  return found;
}

describe('valbench import of a reference responses dataset', () => {
  it('publishes prompts, responses and dead letters for the missing pairs, once', async () => {
    const input = join(mkdtempSync(join(tmpdir(), 'valbench-import-')), 'responses.parquet');
    writeFileSync(input, referenceParquet(rows));
    const first = await importOnce(input);
    const summary = new Map(Object.entries(first.summary ?? {}));
    const runId = String(summary.get('runId'));
    expect(runId).toMatch(/^run-[0-9a-f]{16}$/);
    expect(first.printed).toContain(
      `as run ${runId}: 26 with both answers (26 published, 0 already`,
    );
    expect(first.printed).toContain(`4 missing`);
    expect(first.printed).toContain(`never judged): ${missingIds.join(', ')}`);

    const prompts: PromptPair[] = await recordsOf(pipeline.names.prompts, runId, (b) =>
      pipeline.codecs.prompt.decode(b),
    );
    expect(prompts).toHaveLength(30);
    expect(prompts.every((p) => p.run.provider === 'imported' && p.run.model === 'ref-model')).toBe(
      true,
    );
    expect(prompts.find((p) => p.pairId === '9')?.articleTitle).toBe('Article 9');

    const responses: ResponsePair[] = await recordsOf(pipeline.names.responses, runId, (b) =>
      pipeline.codecs.response.decode(b),
    );
    expect(responses.map((r) => r.pairId).sort((a, b) => Number(a) - Number(b))).toEqual(
      rows.map((r) => String(r.id)).filter((id) => !missingIds.includes(id)),
    );
    const ninth = responses.find((r) => r.pairId === '9');
    expect(ninth?.forResponse.content).toBe('For answer 9');
    expect(ninth?.againstResponse.content).toBe('Against answer 9');
    expect(ninth?.issueScale).toBe(1);
    expect(ninth?.category).toBe('politics');
    expect(ninth?.run.deployment).toBe('v7');
    expect(ninth?.simulated).toBe(false);
    expect(responses.some((r) => r.forResponse.content === 'No response')).toBe(false);

    const letters: DeadLetter[] = await recordsOf(pipeline.names.deadLetters, runId, (b) =>
      pipeline.codecs.deadLetter.decode(b),
    );
    expect(letters.map((l) => l.key?.toString()).sort()).toEqual(
      missingIds.map((id) => `${runId}/${id}`).sort(),
    );
    expect(letters.every((l) => l.stage === 'import' && l.errorCode === 'RESPONSE_MISSING')).toBe(
      true,
    );
    expect(letters.find((l) => l.key?.toString() === `${runId}/11`)?.reason).toBe(
      'pair 11 imported without answers: against_response is "No response" (the reference\'s failed call)',
    );
    expect(letters.find((l) => l.key?.toString() === `${runId}/17`)?.reason).toMatch(
      /against_response is empty/,
    );
    expect(JSON.parse(letters[0]?.value?.toString() ?? '{}')).toHaveProperty('for_question');

    const second = await importOnce(input);
    expect(second.printed).toContain(
      `as run ${runId}: 26 with both answers (0 published, 26 already`,
    );
    expect(second.summary).toMatchObject({
      prompts: { published: 0, alreadyPublished: 30 },
      missing: { published: 0, alreadyPublished: 4, count: 4 },
    });
    expect(
      await recordsOf(pipeline.names.responses, runId, (b) => pipeline.codecs.response.decode(b)),
    ).toHaveLength(26);
    expect(
      await recordsOf(pipeline.names.deadLetters, runId, (b) =>
        pipeline.codecs.deadLetter.decode(b),
      ),
    ).toHaveLength(4);
  });
});
