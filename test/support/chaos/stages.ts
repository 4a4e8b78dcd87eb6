/**
 * The four stages of a chaos run as `valbench` processes (produce, N × respond, judge, aggregate)
 * on the run's private stack. The model under test and the judge are two simulator servers (each
 * behind its call log), so model calls and judge calls are counted apart.
 */
import { join } from 'node:path';
import { responderGroupId } from '../../../services/responder/stage.ts';
import { judgeGroupId } from '../../../services/judge/stage.ts';
import type { Summary } from '../../../services/aggregator/metrics.ts';
import type { CliProcess } from '../cli.ts';
import {
  lineOf,
  spawnLogged,
  superviseStage,
  type SupervisedStage,
  type UnexpectedExit,
} from './stage-process.ts';

export interface StagesOptions {
  brokers: string;
  registryUrl: string;
  prefix: string;
  partitions: number;
  concurrency: number;
  responders: number;
  sessionTimeoutSeconds: number;
  /** Base URLs (without /v1) of the model under test and of the judge. */
  modelUrl: string;
  judgeUrl: string;
  input: string;
  logDir: string;
}

export interface Stages {
  readonly responders: SupervisedStage[];
  readonly judge: SupervisedStage;
  readonly aggregator: SupervisedStage;
  /** Consumer groups of the responder and the judge. */
  readonly groups: { responder: string; judge: string };
  /** Exits no fault caused, in order. */
  readonly unexpectedExits: UnexpectedExit[];
  /** A new `valbench produce` of the run. */
  produce(): CliProcess;
  /** The current aggregator's count and cumulative metrics for the run (undefined: no answer). */
  aggregated(runId: string): Promise<{ count: number; cumulative: Summary | null } | undefined>;
  /** SIGTERM to every stage (they drain and commit); their exit codes ('hung': killed after a minute). */
  stop(): Promise<(number | null | 'hung')[]>;
}

const endpoint = 'chaos-model';

/** Starts the aggregator, the responders and the judge, and waits until each runs. */
export async function startStages(options: StagesOptions): Promise<Stages> {
  const env = {
    HOME: process.env['HOME'] ?? '',
    KAFKA_BROKERS: options.brokers,
    SCHEMA_REGISTRY_URL: options.registryUrl,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
  };
  const common = ['--topic-prefix', options.prefix, '--partitions', String(options.partitions)];
  const consuming = [
    '--concurrency',
    String(options.concurrency),
    '--session-timeout-seconds',
    String(options.sessionTimeoutSeconds),
    '--metrics-port',
    'off',
    ...common,
  ];
  const model = ['--provider', 'openai-compatible', '--base-url', `${options.modelUrl}/v1`];
  const identity = [...model, '--endpoint', endpoint];
  const unexpectedExits: UnexpectedExit[] = [];
  const supervise = (name: string, ready: string, args: string[]): SupervisedStage =>
    superviseStage(name, ready, args, env, options.logDir, (exit) => unexpectedExits.push(exit));

  const aggregator = supervise('aggregator', 'aggregator running', [
    'aggregate',
    '--metrics-port',
    '0',
    ...common,
  ]);
  const responders = Array.from({ length: options.responders }, (_, i) =>
    supervise(`responder-${i + 1}`, 'responder running', [
      'respond',
      ...identity,
      '--simulator-hints',
      ...consuming,
    ]),
  );
  const judgeIdentity = [
    '--judge-provider',
    'openai-compatible',
    '--judge-endpoint',
    'chaos-judge',
  ];
  const judge = supervise('judge', 'judge running', [
    'judge',
    ...judgeIdentity,
    ...['--judge-base-url', `${options.judgeUrl}/v1`, '--judge-simulator-hints'],
    ...consuming,
  ]);
  await Promise.all(responders.map((r) => lineOf(r.current(), 'responder running', 120_000)));
  await lineOf(judge.current(), 'judge running', 120_000);
  await lineOf(aggregator.current(), 'aggregator running', 120_000);

  let produced = 0;
  // The judge's group is named after the judge request the producer publishes (first thing).
  const groups = { responder: responderGroupId(options.prefix, endpoint), judge: '' };
  return {
    responders,
    judge,
    aggregator,
    groups,
    unexpectedExits,
    produce() {
      produced += 1;
      const log = join(options.logDir, `producer-${produced}.log`);
      const running = spawnLogged(
        ['produce', '--input', options.input, ...identity, ...judgeIdentity, ...common],
        env,
        log,
      );
      void running.exit.then(() => {
        const line = running.lines.find((l) => l.startsWith('{"runId"'));
        if (line === undefined) return;
        const { judgeRequests } = JSON.parse(line) as { judgeRequests: { requestId: string }[] };
        const requestId = judgeRequests[0]?.requestId;
        if (requestId !== undefined) groups.judge = judgeGroupId(options.prefix, requestId);
      });
      return running;
    },
    async aggregated(runId) {
      const line = aggregator.current().lines.find((l) => l.includes('aggregator running'));
      if (line === undefined) return undefined;
      const { url } = JSON.parse(line) as { url: string };
      try {
        const answer = await fetch(`${url}/api/metrics`, { signal: AbortSignal.timeout(2_000) });
        const body = (await answer.json()) as { runs: { runId: string; cumulative: Summary }[] };
        const mine = body.runs.filter((r) => r.runId === runId);
        return {
          count: mine.reduce((sum, r) => sum + r.cumulative.valid + r.cumulative.invalid, 0),
          // One judge judges the run: a second state for it would itself be a double count.
          cumulative: mine.length === 1 ? (mine[0]?.cumulative ?? null) : null,
        };
      } catch {
        return undefined;
      }
    },
    // The stages' grace period is 30 s: a stage still there after twice that is stuck.
    stop: () => Promise.all([...responders, judge, aggregator].map((s) => s.stop(60_000))),
  };
}
