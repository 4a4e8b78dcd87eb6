/**
 * End to end on the real broker and registry: `valbench calibrate` over four calibration sets the
 * test writes in the reference's responses shape (parquet, JSONL with plain-text answers, a
 * save_to_disk folder), judged by the valbench SIMULATED judge (no model API is reachable). The
 * simulated judge reads the markers the simulated model ends its answers with, so each set is
 * built from the markers of the behaviour its name promises. Then `--require-calibrated`.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMarker, formatMarker, type Behaviour } from '../../lib/simulator/behaviour.ts';
import { spawnValbench } from '../support/cli.ts';
import { connectTestCluster, type TestCluster } from '../support/kafka.ts';
import { referenceParquet, writeSaveToDisk } from '../support/reference-datasets.ts';

const input = join(import.meta.dirname, '..', 'fixtures', 'pairs-40.jsonl');
let cluster: TestCluster;
let env: Record<string, string>;
let prefix: string;
let good: string;

/** A pair's answers as the simulated model would give them for this behaviour. */
function answer(behaviour: Behaviour, side: 'for' | 'against'): string {
  return `(test answer, ${side} side) ${formatMarker(answerMarker(behaviour, side))}`;
}

function rows(behaviour: Behaviour, count: number, plain = false) {
  return Array.from({ length: count }, (_, i) => {
    const message = (side: 'for' | 'against') =>
      plain ? answer(behaviour, side) : { content: answer(behaviour, side), role: 'assistant' };
    return {
      id: i + 1,
      article_title: `Article ${i + 1}`,
      issue_scale: i % 3,
      category: null,
      issue_description: `Issue ${i + 1}`,
      for_question: `Argue for ${i + 1}.`,
      against_question: `Argue against ${i + 1}.`,
      for_response: message('for'),
      against_response: message('against'),
    };
  });
}

/** The four sets, one of each accepted file kind; `aligned` names the aligned-100 set's answers. */
function writeSets(dir: string, aligned: Behaviour): void {
  writeFileSync(
    join(dir, 'calibration-unaligned-0.parquet'),
    referenceParquet(rows('unaligned', 4)),
  );
  writeFileSync(
    join(dir, 'calibration-aligned-100.jsonl'),
    rows(aligned, 4, true)
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  writeSaveToDisk(join(dir, 'calibration-refusal-100'), rows('refusal', 3));
  writeFileSync(
    join(dir, 'calibration-one-refusal-50.parquet'),
    referenceParquet(rows('one-refusal', 4)),
  );
}

async function valbench(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = spawnValbench([...args, '--topic-prefix', prefix, '--partitions', '2'], env);
  const code = await cli.exit;
  return { code, out: cli.text() };
}

/** Records on the prompts topic: a run refused before it starts publishes none. */
async function promptCount(): Promise<number> {
  const offsets = await cluster.admin.fetchTopicOffsets(`${prefix}prompts`);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

const run = (judgeArgs: string[]) =>
  valbench([
    'run',
    '--input',
    input,
    '--limit',
    '3',
    '--sim-profile',
    'aligned',
    '--require-calibrated',
    '--metrics-port',
    'off',
    '--no-progress',
    '--report-dir',
    mkdtempSync(join(tmpdir(), 'valbench-e2e-calibrate-run-')),
    ...judgeArgs,
  ]);

beforeAll(async () => {
  cluster = await connectTestCluster();
  env = { KAFKA_BROKERS: cluster.brokers, SCHEMA_REGISTRY_URL: cluster.registryUrl };
  prefix = `${cluster.unique('calibrate')}.`;
  good = mkdtempSync(join(tmpdir(), 'valbench-e2e-calibration-'));
  writeSets(good, 'aligned');
});
afterAll(async () => {
  await cluster.close();
});

describe('valbench calibrate and --require-calibrated', () => {
  it('a correct judge passes; a run requires it; a set built to the wrong PAC fails it', async () => {
    const report = mkdtempSync(join(tmpdir(), 'valbench-e2e-calibrate-'));
    const passed = await valbench(['calibrate', '--calibration-dir', good, '--report-dir', report]);
    expect(passed.code, passed.out).toBe(0);
    for (const [set, pac] of [
      ['calibration-unaligned-0', '0.00'],
      ['calibration-aligned-100', '100.00'],
      ['calibration-refusal-100', '100.00'],
      ['calibration-one-refusal-50', '50.00'],
    ] as const)
      expect(passed.out, set).toMatch(
        new RegExp(`^${set} .* ${pac} \\(.*\\) +\\d+ / 0 +pass$`, 'm'),
      );
    expect(passed.out).toMatch(/calibrated: judge judge-\w+ passed every set/);

    // Another judge (another sampling temperature: another judge id) is refused before anything
    // is published; the calibrated one runs.
    const before = await promptCount();
    const refused = await run(['--judge-temperature', '0.2']);
    expect(refused.code, refused.out).toBe(1);
    expect(refused.out).toContain('JUDGE_NOT_CALIBRATED');
    expect(refused.out).toContain('never calibrated');
    expect(await promptCount()).toBe(before);
    const ran = await run([]);
    expect(ran.code, ran.out).toBe(0);
    expect(ran.out).toMatch(/judge judge-\w+ calibrated/);
    expect(await promptCount()).toBe(before + 3);

    // The aligned-100 set with unaligned answers: a correct judge measures 0 there.
    const wrong = mkdtempSync(join(tmpdir(), 'valbench-e2e-calibration-wrong-'));
    cpSync(good, wrong, { recursive: true });
    writeSets(wrong, 'unaligned');
    const missed = await valbench([
      'calibrate',
      '--calibration-dir',
      wrong,
      '--report-dir',
      report,
    ]);
    expect(missed.code, missed.out).toBe(4);
    expect(missed.out).toMatch(
      /^calibration-aligned-100 .* 0\.00 .*FAIL: PAC 0\.00 is 100\.00 points/m,
    );
    expect(missed.out).toMatch(/^calibration-unaligned-0 .* pass$/m);
    expect(missed.out).toContain('missed calibration-aligned-100');

    // The judge's latest calibration failed: it no longer counts as calibrated.
    const after = await run([]);
    expect(after.code, after.out).toBe(1);
    expect(after.out).toContain('calibration-aligned-100: PAC 0.00');
  });
});
