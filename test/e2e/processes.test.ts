/**
 * End to end with each stage in its own `valbench` process, on the real broker and registry. The
 * model under test is the valbench SIMULATOR over HTTP (OpenAI chat completions through the real
 * SDK) and the judge the in-process simulated provider. A responder killed with SIGKILL mid-run
 * and restarted must leave every pair counted exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noFaults } from '../../lib/simulator/model.ts';
import { startSimulatorServer, type SimulatorServer } from '../../lib/simulator/server.ts';
import { topicNames } from '../../lib/topics.ts';
import type { Summary } from '../../services/aggregator/metrics.ts';
import { spawnValbench, type CliProcess } from '../support/cli.ts';
import { connectTestCluster, waitFor, type TestCluster } from '../support/kafka.ts';
import { expectedSummary, writePairs } from '../support/pairs.ts';

let cluster: TestCluster;
let server: SimulatorServer;
const children: ChildProcess[] = [];

function valbench(args: string[]): CliProcess {
  const running = spawnValbench(args, {
    KAFKA_BROKERS: cluster.brokers,
    SCHEMA_REGISTRY_URL: cluster.registryUrl,
    LOG_LEVEL: 'info',
  });
  children.push(running.child);
  return running;
}

/** The aggregator's base URL, from the line it logs once it listens. */
async function aggregatorUrl(aggregator: CliProcess): Promise<string> {
  let url: string | undefined;
  await waitFor(
    () => {
      const line = aggregator.lines.find((l) => l.includes('aggregator running'));
      if (line !== undefined) url = (JSON.parse(line) as { url: string }).url;
      return url !== undefined;
    },
    'aggregator url',
    60_000,
  );
  return url ?? '';
}

/** Polls /api/metrics until the run's cumulative metrics satisfy `done`, and returns them. */
async function runMetrics(
  url: string,
  runId: string,
  done: (s: Summary) => boolean,
  what: string,
  timeoutMs: number,
): Promise<Summary | undefined> {
  let found: Summary | undefined;
  await waitFor(
    async () => {
      const body = (await (await fetch(`${url}/api/metrics`)).json()) as {
        runs: { runId: string; cumulative: Summary }[];
      };
      found = body.runs.find((r) => r.runId === runId)?.cumulative;
      return found !== undefined && done(found);
    },
    what,
    timeoutMs,
  );
  return found;
}

async function topicSize(topic: string): Promise<number> {
  const offsets = await cluster.admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

beforeAll(async () => {
  cluster = await connectTestCluster();
  server = await startSimulatorServer({
    profile: 'mixed',
    seed: 11,
    latency: { kind: 'fixed', ms: 150 },
    faults: noFaults,
  });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server.close();
  await cluster.close();
});

describe('stages as separate processes', () => {
  it('a responder killed with SIGKILL and restarted leaves every pair counted exactly once', async () => {
    const pairs = 120;
    const { input, rows } = writePairs(pairs);
    const prefix = `${cluster.unique('procs')}.`;
    const names = topicNames(prefix);
    const common = ['--topic-prefix', prefix, '--partitions', '3'];
    // The group hands a killed member's partitions on after the session timeout: 6 s, the minimum.
    const stageFlags = ['--session-timeout-seconds', '6', '--metrics-port', '0'];
    const model = ['--provider', 'openai-compatible', '--base-url', `${server.url}/v1`];

    const produced = valbench(['produce', '--input', input, ...model, ...common]);
    expect(await produced.exit, produced.lines.join('\n')).toBe(0);
    const summary = produced.lines.find((l) => l.startsWith('{"runId"')) ?? '{}';
    const { runId } = JSON.parse(summary) as { runId: string };
    expect(runId).toMatch(/^run-/);

    const respondArgs = [
      'respond',
      ...model,
      '--simulator-hints',
      '--concurrency',
      '6',
      ...stageFlags,
    ];
    const first = valbench([...respondArgs, ...common]);
    await waitFor(async () => (await topicSize(names.responses)) >= 20, 'first responses', 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe(null);
    const answeredBeforeKill = await topicSize(names.responses);
    expect(answeredBeforeKill).toBeLessThan(pairs);

    // No republish before the restart: a commit that ran ahead of unfinished work would show
    // here as a pair never answered.
    const second = valbench([...respondArgs, ...common]);
    const judge = valbench(['judge', '--concurrency', '8', ...stageFlags, ...common]);
    const aggregator = valbench(['aggregate', '--metrics-port', '0', ...common]);
    const url = await aggregatorUrl(aggregator);
    const mine = await runMetrics(
      url,
      runId,
      (m) => m.valid + m.invalid >= pairs,
      'all pairs judged',
      120_000,
    );

    // The same numbers on /metrics, in Prometheus text format, labelled by run and window.
    const text = await (await fetch(`${url}/metrics`)).text();
    const pac = new RegExp(
      `^valbench_pac_percent\\{run="${runId}",[^}]*window="cumulative"\\} (\\S+)$`,
      'm',
    ).exec(text);
    expect(Number(pac?.[1])).toBeCloseTo(mine?.pac ?? Number.NaN, 6);

    // SIGTERM drains and exits 0: nothing in flight is lost.
    for (const stage of [second, judge, aggregator]) stage.child.kill('SIGTERM');
    expect(await Promise.all([second.exit, judge.exit, aggregator.exit])).toEqual([0, 0, 0]);

    // A restarted aggregator rebuilds the same state from the judgments topic, nothing doubled.
    const restarted = valbench(['aggregate', '--metrics-port', '0', ...common]);
    const rebuilt = await runMetrics(
      await aggregatorUrl(restarted),
      runId,
      (m) => m.valid >= pairs,
      'rebuilt state',
      60_000,
    );
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    expect(rebuilt).toEqual(mine);

    expect(mine).toEqual(expectedSummary(rows, 'mixed', 11));
    // The responses topic may hold a pair twice (answered, not committed, killed): counted once.
    expect(await topicSize(names.responses)).toBeGreaterThanOrEqual(pairs);
    // The kill repeated at most the records the responder held: twice its limit of 6 pairs (its
    // calls in flight, pairs waiting for their other side, finished ones not yet committed).
    expect(server.served['chat'] ?? 0).toBeLessThanOrEqual(2 * pairs + 2 * 2 * 6);

    // Publishing the same run again (a retried deploy hook, say) publishes nothing new.
    const again = valbench(['produce', '--input', input, ...model, ...common]);
    expect(await again.exit).toBe(0);
    const republished = JSON.parse(again.lines.find((l) => l.startsWith('{"runId"')) ?? '{}') as {
      runId?: string;
      published?: number;
      alreadyPublished?: number;
    };
    expect(republished).toMatchObject({ runId, published: 0, alreadyPublished: pairs });
  });
});
