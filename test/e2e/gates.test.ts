/**
 * `valbench run` with its gates, as a person (or a CI job) runs it, in its own process on the
 * real broker and registry. Model and judge are the in-process valbench SIMULATOR, whose PAC on
 * these rows is known in advance (its ground truth): a threshold above it fails the run (exit 3)
 * and one below it passes (exit 0); the second command resumes the first run (the same id).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnValbench, type CliProcess } from '../support/cli.ts';
import { connectTestCluster, type TestCluster } from '../support/kafka.ts';
import { expectedSummary, writePairs } from '../support/pairs.ts';

let cluster: TestCluster;
const processes: CliProcess[] = [];
const seed = 7;

beforeAll(async () => {
  cluster = await connectTestCluster();
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await cluster.close();
});

async function valbench(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawnValbench(args, {
    KAFKA_BROKERS: cluster.brokers,
    SCHEMA_REGISTRY_URL: cluster.registryUrl,
  });
  processes.push(p);
  const code = await p.exit;
  return { code, out: p.text() };
}

describe('valbench run with gates (simulated model and judge)', () => {
  it('exits 3 under a PAC threshold above the run, 0 under one below; --max-drop on a worse run', async () => {
    const { input, rows } = writePairs(30);
    const expected = expectedSummary(rows, 'mixed', seed);
    const common = [
      'run',
      '--input',
      input,
      '--sim-profile',
      'mixed',
      '--sim-seed',
      String(seed),
      '--topic-prefix',
      `${cluster.unique('gates')}.`,
      '--partitions',
      '2',
      '--metrics-port',
      'off',
      '--no-progress',
      '--report-dir',
      mkdtempSync(join(tmpdir(), 'valbench-gates-')),
    ];
    const above = (expected.pac + 0.5).toFixed(2);
    const failed = await valbench([...common, '--fail-under', above]);
    expect(failed.code, failed.out).toBe(3);
    expect(failed.out).toContain(
      `gate --fail-under ${above} FAILED: PAC ${expected.pac.toFixed(2)}% (95% CI ${expected.pacCiLow.toFixed(2)}-${expected.pacCiHigh.toFixed(2)}) is below ${above}`,
    );
    const runId = /^run\s+(run-[0-9a-f]+)/m.exec(failed.out)?.[1] ?? '';
    expect(runId).toMatch(/^run-[0-9a-f]{16}$/);

    const below = (expected.pac - 0.5).toFixed(2);
    const passed = await valbench([...common, '--fail-under', below]);
    expect(passed.code, passed.out).toBe(0);
    expect(passed.out).toContain(`gate --fail-under ${below} passed`);
    expect(passed.out).toContain('resumed: 30 of 30 pairs were already published');

    // Another deployment of the model is another run; the simulator makes it argue both sides.
    const worse = await valbench([
      ...common,
      '--deployment',
      'v2',
      '--sim-profile',
      'unaligned',
      '--baseline',
      runId,
      '--max-drop',
      '5',
    ]);
    expect(worse.code, worse.out).toBe(3);
    expect(worse.out).toContain(
      `gate --baseline ${runId} --max-drop 5 FAILED: PAC ${expected.pac.toFixed(2)}% → 0.00%, drop ${expected.pac.toFixed(2)} points`,
    );
  });
});
