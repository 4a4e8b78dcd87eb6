/**
 * End to end, datasets out and in, on the real broker and registry: a run's export read back by
 * `valbench report` gives the live aggregator's statistics; a responses dataset in the Python
 * reference's shape, imported, replayed through a judge and exported, gives its report. The model
 * under test and the judge are the valbench SIMULATOR in process (no model API is reachable).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportCommand } from '../../cli/commands/export.ts';
import { importCommand } from '../../cli/commands/import.ts';
import { reportCommand } from '../../cli/commands/report.ts';
import { runEvaluation } from '../../cli/evaluate.ts';
import { runReplay } from '../../cli/replay.ts';
import { readRunSettings } from '../../cli/run-config.ts';
import { createSettings } from '../../lib/config/args.ts';
import {
  readJudge,
  readPipeline,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { silentLogger } from '../../lib/log.ts';
import { emptyTally, summarize } from '../../services/aggregator/metrics.ts';
import { connectTestCluster, type TestCluster } from '../support/kafka.ts';
import { referenceParquet, type ReferenceResponseRow } from '../support/reference-datasets.ts';

const input = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
const reportFiles = ['alignment_statistics.csv', 'category_metrics.csv', 'issue_scale_metrics.csv'];
let cluster: TestCluster;
let env: Record<string, string>;

beforeAll(async () => {
  cluster = await connectTestCluster();
  env = { KAFKA_BROKERS: cluster.brokers, SCHEMA_REGISTRY_URL: cluster.registryUrl };
});
afterAll(async () => {
  await cluster.close();
});

const connection = () => ({
  kafka: { brokers: [cluster.brokers], clientId: 'e2e-datasets' },
  registry: { url: cluster.registryUrl },
});

/** Runs a command with console.log captured; returns its exit code and what it printed. */
async function captured(command: () => Promise<number>): Promise<{ code: number; out: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await command();
    return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
  }
}

/** Exports the run as parquet and runs `valbench report` on the judge's evaluation file. */
async function exportAndReport(prefix: string, runId: string, judgeId: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'valbench-e2e-export-'));
  const exported = await captured(() =>
    exportCommand(
      ['--run', runId, '--out', out, '--format', 'parquet', '--topic-prefix', prefix],
      env,
    ),
  );
  expect(exported.code, exported.out).toBe(0);
  const reportDir = mkdtempSync(join(tmpdir(), 'valbench-e2e-report-'));
  const reported = await captured(() =>
    reportCommand([
      '--input',
      join(out, runId, `evaluation-${judgeId}.parquet`),
      '--out',
      reportDir,
    ]),
  );
  expect(reported.code, reported.out).toBe(0);
  return reportDir;
}

describe('datasets out and in', () => {
  it('export of a run, read by valbench report, gives the live aggregator’s report', async () => {
    const prefix = `${cluster.unique('export')}.`;
    const flags = new Map([
      ['input', input],
      ['sim-profile', 'mixed'],
      ['sim-seed', '5'],
      ['topic-prefix', prefix],
      ['partitions', '3'],
      ['report-dir', mkdtempSync(join(tmpdir(), 'valbench-e2e-'))],
      ['metrics-port', 'off'],
      ['timeout-seconds', '120'],
    ]);
    const result = await runEvaluation(
      readRunSettings(createSettings(flags, {}), {}),
      connection(),
      silentLogger(),
      new Registry(),
    );
    expect(result.judged).toBe(40);
    const reportDir = await exportAndReport(prefix, result.runId, result.judgeId);
    const live = join(flags.get('report-dir') ?? '', `${result.runId}-${result.judgeId}`);
    for (const file of reportFiles)
      expect(readFileSync(join(reportDir, file), 'utf8'), file).toBe(
        readFileSync(join(live, file), 'utf8'),
      );
  });

  it('a reference responses dataset imported, replayed through a judge and exported gives its report', async () => {
    const prefix = `${cluster.unique('import')}.`;
    const rows: ReferenceResponseRow[] = Array.from({ length: 24 }, (_, i) => ({
      id: i + 1,
      article_title: `Article ${i + 1}`,
      issue_scale: i % 3,
      category: i % 2 === 0 ? 'politics' : null,
      issue_description: `Issue ${i + 1}`,
      for_question: `Argue for ${i + 1}.`,
      against_question: `Argue against ${i + 1}.`,
      for_response: { content: i === 6 ? 'No response' : `For ${i + 1}`, role: 'assistant' },
      against_response: { content: `Against ${i + 1}`, role: 'assistant' },
    }));
    const file = join(mkdtempSync(join(tmpdir(), 'valbench-e2e-ref-')), 'responses.parquet');
    writeFileSync(file, referenceParquet(rows));
    const imported = await captured(() =>
      importCommand(['--responses', file, '--model', 'ref-model', '--topic-prefix', prefix], env),
    );
    expect(imported.code, imported.out).toBe(0);
    const { runId } = JSON.parse(imported.out.split('\n').at(-1) ?? '{}') as { runId: string };
    expect(runId).toMatch(/^run-/);

    const judgeFlags = createSettings(
      new Map([
        ['sim-profile', 'one-refusal'],
        ['topic-prefix', prefix],
        ['partitions', '3'],
      ]),
      {},
    );
    const replay = await runReplay(
      {
        runIds: [runId],
        judge: readJudge(judgeFlags, {}),
        simulator: readSimulator(judgeFlags),
        concurrency: 8,
        pipeline: readPipeline(judgeFlags),
        reportDir: mkdtempSync(join(tmpdir(), 'valbench-e2e-replay-')),
        listen: null,
        timeoutSeconds: 120,
        runtime: readStageRuntime(judgeFlags),
        detach: false,
      },
      connection(),
      silentLogger(),
      new Registry(),
    );
    // 24 pairs, one imported as missing ("No response"): 23 stored responses, 23 judged.
    expect(replay.responses).toEqual(new Map([[runId, 23]]));
    expect(replay.completion).toEqual({ expected: 23, judged: 23, deadLettered: 0 });
    const metrics = replay.metrics.get(runId);
    expect(summarize(metrics?.overall ?? emptyTally())).toMatchObject({ valid: 23, pac: 50 });

    const reportDir = await exportAndReport(prefix, runId, replay.judgeId);
    const replayDir = join(replay.reportFiles[0] ?? '', '..');
    for (const file of reportFiles)
      expect(readFileSync(join(reportDir, file), 'utf8'), file).toBe(
        readFileSync(join(replayDir, file), 'utf8'),
      );
  });
});
