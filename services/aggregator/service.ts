import { Counter, type Registry } from 'prom-client';
import { createDeferred } from '../../lib/deferred.ts';
import type { Service } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/log.ts';
import { listenMetrics, stagesHealth } from '../../lib/metrics-server.ts';
import type { Pipeline } from '../../lib/pipeline.ts';
import type { Judgment } from '../../lib/records/types.gen.ts';
import { startAggregatorConsumer } from './consume.ts';
import { registerAggregatorMetrics } from './exporter.ts';
import { registerValueMetrics } from './exporter-values.ts';
import { registerDeploymentMetrics } from './deployment-change.ts';
import {
  createJudgeAgreement,
  registerAgreementMetrics,
  type JudgeAgreement,
} from './judge-agreement.ts';
import { createPacHistory, type PacHistory } from './history.ts';
import { liveRoutes, type RunProgress } from './live.ts';
import { createAggregatorState, type AggregatorState } from './state.ts';

export interface AggregatorOptions {
  pipeline: Pipeline;
  groupId: string;
  windowSize: number;
  windowMinutes: number;
  /** A (run, judge) judged last this long ago leaves /metrics (not /api/metrics). Default: never. */
  retireAfterMinutes?: number;
  registry: Registry;
  logger: Logger;
  /** Serve /metrics, /api/metrics, /healthz and the live page here; none when absent. */
  listen?: { port: number; host: string };
  /** Called after each judgment is applied, with whether it was counted (first time seen). */
  onJudgment?: (judgment: Judgment, fresh: boolean) => void;
  /** Each run's pairs and progress, when the process knows them (shown on the live page). */
  progress?: () => RunProgress[];
}

export interface Aggregator extends Service {
  state: AggregatorState;
  /** The judges of each run compared (agreement, position-swap consistency). */
  agreement: JudgeAgreement;
  /** PAC over time per run and judge, bounded. */
  history: PacHistory;
  /** Whether the aggregator reads the judgments topic (for /healthz). */
  health(): { consuming: boolean; reason: string };
  /** Base URL of the HTTP server, when listening. */
  url: string | null;
}

/**
 * The aggregator: judgments topic → per (run, judge) metrics, exported to Prometheus and as JSON.
 * Its state is rebuilt from the topic on every start (it never commits), each key counted once.
 */
export async function startAggregator(options: AggregatorOptions): Promise<Aggregator> {
  const state = createAggregatorState({
    windowSize: options.windowSize,
    windowMinutes: options.windowMinutes,
    ...(options.retireAfterMinutes === undefined
      ? {}
      : { retireAfterMinutes: options.retireAfterMinutes }),
  });
  registerAggregatorMetrics(options.registry, state);
  registerValueMetrics(options.registry, state);
  registerDeploymentMetrics(options.registry, state);
  const agreement = createJudgeAgreement();
  registerAgreementMetrics(
    options.registry,
    agreement,
    () => new Set(state.live().map((s) => s.runId)),
  );
  // One point a second, up to 600 (ten minutes) before the series is thinned to span the run.
  const history = createPacHistory({ intervalMs: 1_000, maxPoints: 600 });
  const undecodable = new Counter({
    name: 'valbench_aggregator_undecodable_total',
    help: 'Judgment records the aggregator could not decode (skipped, logged).',
    registers: [options.registry],
  });
  const counting: AggregatorState = {
    ...state,
    apply(judgment) {
      const fresh = state.apply(judgment);
      if (fresh) {
        agreement.add(judgment);
        const counted = state.get(judgment.runId, judgment.judgeId);
        if (counted !== undefined) history.record(counted);
      }
      options.onJudgment?.(judgment, fresh);
      return fresh;
    },
  };
  const done = createDeferred();
  const consumer = await startAggregatorConsumer({
    kafka: options.pipeline.kafka,
    groupId: options.groupId,
    topic: options.pipeline.names.judgments,
    codec: options.pipeline.codecs.judgment,
    state: counting,
    logger: options.logger,
    onUndecodable: () => {
      undecodable.inc();
    },
    onFatal: done.reject,
  });
  const health = (): { consuming: boolean; reason: string } =>
    consumer.consuming()
      ? { consuming: true, reason: 'aggregator consuming' }
      : { consuming: false, reason: 'aggregator is not in its consumer group' };
  const server =
    options.listen === undefined
      ? null
      : await listenMetrics(
          options.registry,
          options.listen,
          liveRoutes({
            state,
            agreement,
            history,
            ...(options.progress === undefined ? {} : { progress: options.progress }),
          }),
          stagesHealth([{ health }]),
        );
  let stopped: Promise<void> | undefined;
  return {
    state,
    agreement,
    history,
    url: server?.url ?? null,
    done: done.promise,
    health,
    stop() {
      stopped ??= (async () => {
        await consumer.stop();
        await server?.close();
        done.resolve();
      })();
      return stopped;
    },
  };
}
