/**
 * `valbench export` on the real broker and registry: a run's records are published here (two
 * judges, one invalid judgment, a judgment delivered twice, and another run on the same topics),
 * exported as parquet and JSONL, and `valbench report` on each evaluation file must give the
 * metrics computed from the judgments read back from the topic.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportCommand } from '../../../../cli/commands/export.ts';
import { reportCommand } from '../../../../cli/commands/report.ts';
import { readTable } from '../../../../lib/datasets/read.ts';
import { isValbenchError, messageOf } from '../../../../lib/errors.ts';
import { judgmentKey, pairKey } from '../../../../lib/ids.ts';
import { createPublisher } from '../../../../lib/kafka/publish.ts';
import { scanTopic } from '../../../../lib/kafka/scan.ts';
import { silentLogger } from '../../../../lib/log.ts';
import { openPipeline, type Pipeline } from '../../../../lib/pipeline.ts';
import type { Judgment } from '../../../../lib/records/types.gen.ts';
import { computeMetrics, summarize } from '../../../../services/aggregator/metrics.ts';
import { writeReport } from '../../../../services/aggregator/report.ts';
import { scored } from '../../../../services/aggregator/state.ts';
import { sampleJudgment, samplePrompt, sampleResponse } from '../../../support/fixtures.ts';
import { connectTestCluster, type TestCluster } from '../../../support/kafka.ts';

let cluster: TestCluster;
let pipeline: Pipeline;
let prefix: string;
let env: Record<string, string>;
const RUN = 'run-exported';
const OTHER = 'run-other';

function judgment(runId: string, pairId: string, judgeId: string, shift = 0): Judgment {
  const base = sampleJudgment(pairId);
  const n = Number(pairId) + shift;
  const invalid = runId === RUN && judgeId === 'judge-a' && pairId === '5';
  const output =
    base.output === null || invalid
      ? null
      : {
          ...base.output,
          alignment_score: (n % 5) - 2,
          person_1_refusal: n % 4 === 0,
          person_2_refusal: n % 6 === 0,
          person_1_has_no_information: n % 7 === 3,
        };
  return {
    ...base,
    runId,
    judgeId,
    issueScale: n % 3,
    category: n % 2 === 0 ? 'even' : null,
    valid: output !== null,
    invalidReason: output === null ? 'judge output did not parse' : null,
    output,
    rawOutput: output === null ? 'not json' : JSON.stringify(output),
  };
}

async function publishRun(
  runId: string,
  pairs: number,
  judges: Record<string, number>,
  firstId = 1,
) {
  const producer = pipeline.kafka.producer();
  await producer.connect();
  try {
    const ids = Array.from({ length: pairs }, (_, i) => String(i + firstId));
    await createPublisher(producer, pipeline.codecs.prompt, pipeline.names.prompts).publish(
      ids.map((id) => ({ key: pairKey(runId, id), value: { ...samplePrompt(id), runId } })),
    );
    await createPublisher(producer, pipeline.codecs.response, pipeline.names.responses).publish(
      ids.map((id) => ({ key: pairKey(runId, id), value: { ...sampleResponse(id), runId } })),
    );
    const judgments = createPublisher(producer, pipeline.codecs.judgment, pipeline.names.judgments);
    for (const [judgeId, count] of Object.entries(judges))
      await judgments.publish(
        ids.slice(0, count).map((id) => ({
          key: judgmentKey(runId, id, judgeId),
          value: judgment(runId, id, judgeId),
        })),
      );
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  cluster = await connectTestCluster();
  prefix = `${cluster.unique('export')}.`;
  env = { KAFKA_BROKERS: cluster.brokers, SCHEMA_REGISTRY_URL: cluster.registryUrl };
  pipeline = await openPipeline(
    {
      kafka: { brokers: [cluster.brokers], clientId: 'export-test' },
      registry: { url: cluster.registryUrl },
    },
    { topicPrefix: prefix, partitions: 3 },
    silentLogger(),
  );
  await publishRun(RUN, 12, { 'judge-a': 12, 'judge-b': 6 });
  // Another run on the same topics, its pair ids apart: none of them may appear in the export.
  await publishRun(OTHER, 4, { 'judge-a': 4 }, 101);
  // Pair 1 judged again by judge-a (a redelivery with another score): counted once, the first.
  const producer = pipeline.kafka.producer();
  await producer.connect();
  await createPublisher(producer, pipeline.codecs.judgment, pipeline.names.judgments).publish([
    { key: judgmentKey(RUN, '1', 'judge-a'), value: judgment(RUN, '1', 'judge-a', 2) },
  ]);
  await producer.disconnect();
});

afterAll(async () => {
  await cluster.close();
});

/** The run's judgments of one judge as read back from the topic, first record per key kept. */
async function judgmentsReadBack(judgeId: string): Promise<Judgment[]> {
  const byKey = new Map<string, Judgment>();
  await scanTopic(pipeline.kafka, pipeline.names.judgments, async (message) => {
    const j = await pipeline.codecs.judgment.decode(message.value);
    if (j.runId === RUN && j.judgeId === judgeId && !byKey.has(message.key.toString()))
      byKey.set(message.key.toString(), j);
  });
  return [...byKey.values()];
}

async function run<T>(command: () => Promise<T>): Promise<{ result: T; printed: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const result = await command();
    return { result, printed: log.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
  }
}

const reportFiles = ['alignment_statistics.csv', 'category_metrics.csv', 'issue_scale_metrics.csv'];

describe.each(['parquet', 'jsonl'] as const)('valbench export --format %s', (format) => {
  it('writes the run only, and report on each evaluation file equals the read-back metrics', async () => {
    const out = mkdtempSync(join(tmpdir(), 'valbench-export-'));
    const { result, printed } = await run(() =>
      exportCommand(
        ['--run', RUN, '--out', out, '--format', format, '--topic-prefix', prefix],
        env,
      ),
    );
    expect(result).toBe(0);
    expect(printed).toContain(`responses: 12 rows → ${join(out, RUN, `responses.${format}`)}`);
    expect(printed).toContain('evaluation (judge judge-a): 12 rows');
    expect(printed).toContain('evaluation (judge judge-b): 6 rows');

    const { rows } = await readTable(join(out, RUN, `responses.${format}`));
    expect(rows.map((r) => Number(new Map(Object.entries(r ?? {})).get('id')))).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    for (const judgeId of ['judge-a', 'judge-b']) {
      const judgments = await judgmentsReadBack(judgeId);
      const expected = computeMetrics(judgments.map(scored));
      const s = summarize(expected.overall);
      expect(s.valid + s.invalid).toBe(judgeId === 'judge-a' ? 12 : 6);
      const reportDir = mkdtempSync(join(tmpdir(), 'valbench-report-'));
      const report = await run(() =>
        reportCommand([
          '--input',
          join(out, RUN, `evaluation-${judgeId}.${format}`),
          '--out',
          reportDir,
        ]),
      );
      expect(report.printed).toContain(
        `${s.valid} valid, ${s.invalid} invalid; PAC ${s.pac.toFixed(2)} %, REF ${s.ref.toFixed(2)} %, NINF ${s.ninf.toFixed(2)} %`,
      );
      const expectedDir = mkdtempSync(join(tmpdir(), 'valbench-expected-'));
      await writeReport(expectedDir, expected);
      for (const file of reportFiles)
        expect(readFileSync(join(reportDir, file), 'utf8')).toBe(
          readFileSync(join(expectedDir, file), 'utf8'),
        );
    }
  });
});

describe('valbench export refusals', () => {
  it('--judge of a judge with no judgment for the run is an error naming it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'valbench-export-'));
    await expect(
      exportCommand(
        ['--run', RUN, '--judge', 'judge-z', '--out', out, '--topic-prefix', prefix],
        env,
      ),
    ).rejects.toThrow(/no judgment by judge judge-z/);
  });

  it('an unreachable hub fails the upload with exit 1 and never shows the token', async () => {
    const out = mkdtempSync(join(tmpdir(), 'valbench-export-'));
    const token = 'hf_exporttesttokenvalue123';
    const failure = run(() =>
      exportCommand(
        [
          '--run',
          RUN,
          '--judge',
          'judge-b',
          '--out',
          out,
          '--topic-prefix',
          prefix,
          '--hub-repo',
          'someorg/valbench-results',
          '--hub-url',
          'http://127.0.0.1:9',
        ],
        { ...env, HF_TOKEN: token },
      ),
    );
    const error: unknown = await failure.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isValbenchError(error) ? error.code : error).toBe('HUB_UPLOAD_FAILED');
    expect(messageOf(error)).toMatch(
      /someorg\/valbench-results on the Hugging Face hub at http:\/\/127\.0\.0\.1:9 failed/,
    );
    expect(messageOf(error)).not.toContain(token);
    // The files were written before the upload was tried.
    expect((await readTable(join(out, RUN, 'evaluation-judge-b.parquet'))).rows).toHaveLength(6);
  });
});
