import { runEstimate, type CostEstimate } from '../../lib/cost/estimate.ts';
import type { CostLedger, PayingStage } from '../../lib/cost/ledger.ts';
import { createDeferred } from '../../lib/deferred.ts';
import { followTopic, type TopicFollower } from '../../lib/kafka/follow.ts';
import type { Logger } from '../../lib/log.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { JudgeConfig, RunConfig, RunRequest } from '../../lib/records/types.gen.ts';
import { summarize, type Summary } from '../aggregator/metrics.ts';
import type { AggregatorState } from '../aggregator/state.ts';

interface RunTrack {
  runId: string;
  config: RunConfig | null;
  pairs: Set<string>;
  responded: Set<string>;
  deadLettered: { responder: Set<string>; judge: Set<string> };
  judges: Map<string, JudgeConfig>;
  requests: Set<string>;
  firstSeenAt: number;
}

interface RequestTrack {
  request: RunRequest;
  runId: string | null;
}

export type RunState = 'requested' | 'running' | 'complete' | 'refused';

/** A judge's figures for one run, as `GET /runs/<id>` shows them (null: no valid judgment yet). */
export interface JudgeView {
  judgeId: string;
  model: string;
  endpoint: string;
  reversed: boolean;
  /** Asked for by a judge request naming the run (a swap-sample twin or a stray judge is not). */
  requested: boolean;
  judged: number;
  valid: number;
  invalid: number;
  complete: boolean;
  pac: number | null;
  pacCiLow: number | null;
  pacCiHigh: number | null;
  ref: number | null;
  ninf: number | null;
}

export interface RunView {
  runId: string;
  state: RunState;
  model: string | null;
  provider: string | null;
  endpoint: string | null;
  deployment: string | null;
  dataset: RunConfig['dataset'] | null;
  pairs: number;
  responded: number;
  deadLettered: { responder: number; judge: number };
  judges: JudgeView[];
  requests: string[];
  /**
   * What the calls this process made for the run cost (USD; null: unknown, a model without a
   * price) and the estimate for all its pairs: spent ÷ pairs this process called for × pairs.
   * Calls made before this process started are not in it. null: cost not counted here.
   */
  cost: (Record<PayingStage | 'total', CostEstimate> & { counted: 'this process' }) | null;
  /** Set when the request's maxCostUsd stopped intake: pairs published of the selection. */
  costLimit?: RunCostLimit;
  /** Why, when every request of the run was refused (state `refused`). */
  reason?: string;
}

/** Where a budgeted run's intake stopped. */
export interface RunCostLimit {
  published: number;
  pairs: number;
  projectedUsd: number;
}

export interface RefusedView {
  requestId: string;
  state: 'refused';
  reason: string;
  requestedAt: number;
}

/** Runs and requests as the topics tell them, rebuilt from the topics on every start. */
export interface RunRegistry {
  list(): (RunView | RefusedView)[];
  run(runId: string): RunView | null;
  request(requestId: string): { runId: string | null; refused: string | null } | null;
  /** Whether the run has any prompt on the topic or was requested before. */
  known(runId: string): boolean;
  /** Readers' health, for /healthz. */
  consuming(): boolean;
  readonly failed: Promise<void>;
  stop(): Promise<void>;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

/**
 * Follows the run-requests, prompts, responses, judge-requests and dead-letter topics (keys only,
 * except the first prompt of each run and the small request and dead-letter records) and reads
 * the judgments' metrics from the aggregator's state, to say where each run stands.
 */
export async function startRunRegistry(
  pipeline: Pipeline,
  aggregator: AggregatorState,
  logger?: Logger,
  cost?: { ledger: CostLedger; limits: ReadonlyMap<string, RunCostLimit> },
): Promise<RunRegistry> {
  const runs = new Map<string, RunTrack>();
  const requests = new Map<string, RequestTrack>();
  // Refusals by request id, kept apart: the two topics are read independently, so a refusal can
  // be read before its request.
  const refusals = new Map<string, string>();
  const failed = createDeferred();
  const { names, codecs } = pipeline;
  const track = (runId: string): RunTrack => {
    let run = runs.get(runId);
    if (run === undefined) {
      run = {
        runId,
        config: null,
        pairs: new Set(),
        responded: new Set(),
        deadLettered: { responder: new Set(), judge: new Set() },
        judges: new Map(),
        requests: new Set(),
        firstSeenAt: Date.now(),
      };
      runs.set(runId, run);
    }
    return run;
  };
  const split = (key: string | undefined): [string, string] | null => {
    if (key === undefined) return null;
    const slash = key.indexOf('/');
    return slash < 0 ? null : [key.slice(0, slash), key.slice(slash + 1).split('/')[0] ?? ''];
  };
  const tag = `${process.pid}-${Date.now()}`;
  const follow = (topic: string, onMessage: Parameters<typeof followTopic>[0]['onMessage']) =>
    followTopic({
      kafka: pipeline.kafka,
      groupId: `${names.prefix}run-registry-${topic}-${tag}`,
      topic,
      onMessage,
      onFatal: (error) => {
        failed.reject(error);
      },
      onSkipped: (error, partition, offset) => {
        logger?.warn({ topic, partition, offset, code: error.code }, 'undecodable record skipped');
      },
    });
  const followers: TopicFollower[] = [
    await follow(names.runRequests, async (message) => {
      const request = await codecs.runRequest.decode(message.value);
      const known = requests.get(request.requestId);
      requests.set(request.requestId, { request, runId: known?.runId ?? request.runId });
      if (request.runId !== null) track(request.runId).requests.add(request.requestId);
    }),
    await follow(names.prompts, async (message) => {
      const parts = split(message.key?.toString());
      if (parts === null) return;
      const run = track(parts[0]);
      run.pairs.add(parts[1]);
      if (run.config === null) run.config = (await codecs.prompt.decode(message.value)).run;
    }),
    await follow(names.responses, (message) => {
      const parts = split(message.key?.toString());
      if (parts !== null) track(parts[0]).responded.add(parts[1]);
      return Promise.resolve();
    }),
    await follow(names.judgeRequests, async (message) => {
      const request = await codecs.judgeRequest.decode(message.value);
      for (const runId of request.runIds) track(runId).judges.set(request.judgeId, request.judge);
    }),
    await follow(names.deadLetters, async (message) => {
      const letter = await codecs.deadLetter.decode(message.value);
      if (letter.errorCode === 'RUN_REQUEST_REFUSED') {
        refusals.set(letter.key?.toString() ?? '', letter.reason);
        return;
      }
      const parts = split(letter.key?.toString());
      if (parts === null) return;
      if (letter.stage === 'responder') track(parts[0]).deadLettered.responder.add(parts[1]);
      if (letter.stage === 'judge') track(parts[0]).deadLettered.judge.add(parts[1]);
    }),
  ];

  const view = (run: RunTrack): RunView => {
    const states = new Map(
      aggregator
        .states()
        .filter((s) => s.runId === run.runId)
        .map((s) => [s.judgeId, s]),
    );
    const judgeIds = new Set([...run.judges.keys(), ...states.keys()]);
    const undone = new Set([...run.deadLettered.responder, ...run.deadLettered.judge]);
    const judges = [...judgeIds].sort().map((judgeId): JudgeView => {
      const state = states.get(judgeId);
      const config = run.judges.get(judgeId);
      const overall = state?.cumulative.overall;
      const s: Summary | null = overall === undefined ? null : summarize(overall);
      const judged = s === null ? 0 : s.valid + s.invalid;
      return {
        judgeId,
        model: config?.model ?? state?.judgeModel ?? 'unknown',
        endpoint: config?.endpoint ?? 'unknown',
        reversed: config?.reversed ?? false,
        requested: config !== undefined,
        judged,
        valid: s?.valid ?? 0,
        invalid: s?.invalid ?? 0,
        complete: run.pairs.size > 0 && judged + undone.size >= run.pairs.size,
        pac: s === null ? null : finite(s.pac),
        pacCiLow: s === null ? null : finite(s.pacCiLow),
        pacCiHigh: s === null ? null : finite(s.pacCiHigh),
        ref: s === null ? null : finite(s.ref),
        ninf: s === null ? null : finite(s.ninf),
      };
    });
    // The run is complete when the judges asked for it are; others (a swap-sample twin that
    // judges a fraction, a judge nobody asked for this run) are shown, never waited for.
    const required = judges.some((j) => j.requested) ? judges.filter((j) => j.requested) : judges;
    const reasons = [...run.requests].map((id) => refusals.get(id));
    const refused =
      run.pairs.size === 0 && reasons.length > 0 && reasons.every((r) => r !== undefined);
    const state: RunState = refused
      ? 'refused'
      : run.pairs.size === 0
        ? 'requested'
        : required.length > 0 && required.every((j) => j.complete)
          ? 'complete'
          : 'running';
    return {
      runId: run.runId,
      state,
      model: run.config?.model ?? null,
      provider: run.config?.provider ?? null,
      endpoint: run.config?.endpoint ?? null,
      deployment: run.config?.deployment ?? null,
      dataset: run.config?.dataset ?? null,
      pairs: run.pairs.size,
      responded: run.responded.size,
      deadLettered: {
        responder: run.deadLettered.responder.size,
        judge: run.deadLettered.judge.size,
      },
      judges,
      requests: [...run.requests],
      cost: cost === undefined ? null : costView(cost.ledger, run.runId, run.pairs.size),
      ...costLimitOf(cost?.limits.get(run.runId)),
      ...(refused ? { reason: reasons.filter((r) => r !== undefined).join('; ') } : {}),
    };
  };

  return {
    list() {
      // Refused requests the API did not give a run id (written straight to the topic).
      const refused: RefusedView[] = [...requests.values()]
        .filter((r) => r.runId === null && refusals.has(r.request.requestId))
        .map((r) => ({
          requestId: r.request.requestId,
          state: 'refused',
          reason: refusals.get(r.request.requestId) ?? '',
          requestedAt: r.request.requestedAt,
        }));
      return [
        ...[...runs.values()].sort((a, b) => a.firstSeenAt - b.firstSeenAt).map(view),
        ...refused,
      ];
    },
    run(runId) {
      const run = runs.get(runId);
      return run === undefined ? null : view(run);
    },
    request(requestId) {
      const r = requests.get(requestId);
      return r === undefined ? null : { runId: r.runId, refused: refusals.get(requestId) ?? null };
    },
    // A run whose every request was refused is not known: asking again (once the cause is
    // fixed) starts it.
    known: (runId) => {
      const run = runs.get(runId);
      return run !== undefined && view(run).state !== 'refused';
    },
    consuming: () => followers.every((f) => f.consuming()),
    failed: failed.promise,
    async stop() {
      await Promise.all(followers.map((f) => f.stop()));
      failed.resolve();
    },
  };
}

/** A run's cost as GET /runs/<id> shows it: from the ledger of this process. */
function costView(
  ledger: CostLedger,
  runId: string,
  pairs: number,
): Record<PayingStage | 'total', CostEstimate> & { counted: 'this process' } {
  const spend = ledger.spent(runId);
  return {
    ...runEstimate(spend, { responder: spend.responder.pairs, judge: spend.judge.pairs }, pairs),
    counted: 'this process',
  };
}

const costLimitOf = (limit: RunCostLimit | undefined): { costLimit?: RunCostLimit } =>
  limit === undefined ? {} : { costLimit: limit };
