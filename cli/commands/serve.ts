import { resolve } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { finishSettings, readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import {
  logLevel,
  readPipeline,
  readPoolSizes,
  readProvider,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import { createPublisher } from '../../lib/kafka/publish.ts';
import { runUntilStopped, type Service } from '../../lib/lifecycle.ts';
import { createLogger } from '../../lib/log.ts';
import { stageMetrics } from '../../lib/metrics.ts';
import { listenMetrics, stagesHealth } from '../../lib/metrics-server.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { registerSecret } from '../../lib/secrets.ts';
import { liveRoutes } from '../../services/aggregator/live.ts';
import { startAggregator } from '../../services/aggregator/service.ts';
import { isLoopback } from '../../services/api/auth.ts';
import { runsApi } from '../../services/api/routes.ts';
import { startRunRegistry, type RunCostLimit, type RunView } from '../../services/api/runs.ts';
import { createCostLedger } from '../../lib/cost/ledger.ts';
import { readCostSettings } from '../../lib/cost/settings.ts';
import { loadRubric } from '../../services/judge/prompt.ts';
import { serveJudgeRequests } from '../../services/judge/requests.ts';
import { startRunIntake } from '../../services/producer/intake.ts';
import { startResponderStage } from '../../services/responder/stage.ts';

export const serveUsage = `usage: valbench serve [options]
  every stage in one process, for good: runs are requested while it runs, by a deploy hook
  (POST /runs) or a record on the run-requests topic, validated on arrival (a bad field, an
  endpoint not served here, a dataset that cannot be read: refused at once with the reason), and
  judged by the judges they name; GET /runs and GET /runs/<id> give state, progress and metrics.
  --api-port 8470 --api-host 127.0.0.1 (any other address needs VALBENCH_API_TOKEN in the
            environment: every /runs call must then send Authorization: Bearer <token>)
            the same server: the live page at /, /metrics, /api/metrics, /healthz (read-only)
  model     --provider ... --endpoint ALIAS --base-url URL --api-key-env NAME
            --request-timeout-seconds 600 --simulator-hints (the endpoint requests may name)
            --call-threads N (worker threads making the SDK calls; default 1 on 2+ cores)
  judge     --judge-provider ... --judge-endpoint ALIAS --judge-base-url URL
            --judge-api-key-env NAME --judge-simulator-hints --rubric FILE
  datasets  --dataset-dir DIR (request paths are resolved inside it; default: here)
            HF_TOKEN / HF_ENDPOINT for hub datasets
  metrics   --retire-after-minutes 1440 (a run judged last longer ago leaves /metrics; its
            numbers stay in /api/metrics and GET /runs)
  cost      --prices FILE (USD per 1M tokens per model id; default prices/models.json):
            valbench_cost_usd_total and GET /runs/<id> "cost" (spent and estimate); a
            request's "maxCostUsd" paces its intake like valbench run --max-cost
  pipeline  --concurrency 16 --judge-concurrency C (default: --concurrency) --partitions 6
            --topic-prefix valbench. --grace-seconds 30 --session-timeout-seconds 30
            --publish-deadline-seconds 600 --attempts 5 --rate-limit-budget-minutes 30
  simulator --sim-profile ... --sim-* as in valbench run --help

  request:  curl -X POST localhost:8470/runs -H 'content-type: application/json' -d '{
              "model": {"provider": "openai-compatible", "endpoint": "vllm", "model": "m",
                        "deployment": "2026-11-23"},
              "dataset": {"path": "pairs.jsonl", "limit": 500, "sampleSeed": 1},
              "judges": [{"provider": "openai-compatible", "endpoint": "judge", "model": "j"}]}'`;

/** `valbench serve`: the whole pipeline as a service, runs requested while it runs. */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const {
    settings: s,
    env,
    help,
  } = readCommand(args, ['simulator-hints', 'judge-simulator-hints'], process.env);
  if (help) {
    console.log(serveUsage);
    return 0;
  }
  const responder = readProvider(s, '', env);
  const judge = readProvider(s, 'judge-', env);
  const simulator = readSimulator(s);
  const { concurrency, judgeConcurrency } = readPoolSizes(s);
  const pipelineSettings = readPipeline(s);
  const runtime = readStageRuntime(s);
  const at = {
    port: s.number('api-port', 8470, { min: 0, max: 65535, integer: true }),
    host: s.string('api-host', '127.0.0.1'),
  };
  const given = env['VALBENCH_API_TOKEN'] ?? '';
  const token = given === '' ? null : given;
  registerSecret(token);
  if (!isLoopback(at.host) && (token === null || token.length < 16))
    s.problems.push(
      `--api-host ${at.host} is not loopback: set VALBENCH_API_TOKEN (16 characters or more) so run requests need it`,
    );
  const retireAfterMinutes = s.number('retire-after-minutes', 1440, { min: 1 });
  const rubricPath = s.optionalString('rubric');
  const datasetDir = resolve(s.string('dataset-dir', '.'));
  const level = logLevel(env, s);
  const { prices } = readCostSettings(s, { budget: false, priced: [] });
  finishSettings(s);
  const rubric = loadRubric(rubricPath ?? undefined);

  const logger = createLogger({ level, name: 'valbench-serve' });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'valbench_serve_' });
  const connection = await resolveConnection(env, 'valbench-serve', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const metrics = stageMetrics(registry);
  const ledger = createCostLedger({
    prices,
    counter: metrics.costUsd,
    warn: (line) => {
      logger.warn(line);
    },
  });
  const served = {
    responders: [responder],
    judges: [judge],
    datasetDir,
    hub: {
      url: env['HF_ENDPOINT'] ?? 'https://huggingface.co',
      token: env['HF_TOKEN'] ?? env['HUGGING_FACE_HUB_TOKEN'] ?? null,
    },
    prices,
  };
  registerSecret(served.hub.token);
  const stageRuntime = {
    logger,
    metrics,
    ledger,
    retry: runtime.retry,
    sessionTimeoutMs: runtime.sessionTimeoutMs,
    publishDeadlineMs: runtime.publishDeadlineMs,
  };
  const aggregator = await startAggregator({
    pipeline,
    groupId: `${pipeline.names.prefix}serve-aggregator-${process.pid}-${Date.now()}`,
    windowSize: 1000,
    windowMinutes: 15,
    retireAfterMinutes,
    registry,
    logger,
  });
  const costLimits = new Map<string, RunCostLimit>();
  const runs = await startRunRegistry(pipeline, aggregator.state, logger, {
    ledger,
    limits: costLimits,
  });
  const respond = await startResponderStage({
    ...stageRuntime,
    pipeline,
    provider: responder,
    simulator,
    concurrency,
  });
  const judges = await serveJudgeRequests({
    ...stageRuntime,
    pipeline,
    provider: judge,
    simulator,
    concurrency: judgeConcurrency,
  });
  const intake = await startRunIntake({
    pipeline,
    served,
    rubric,
    logger,
    metrics,
    budget: {
      ledger,
      done: (runId) => pairsDone(runs.run(runId)),
      onStopped: (runId, stop) => {
        costLimits.set(runId, stop);
      },
    },
  });
  const producer = createProducer(pipeline.kafka);
  await producer.connect();
  const requests = createPublisher(
    producer,
    pipeline.codecs.runRequest,
    pipeline.names.runRequests,
  );
  const registryService: Service = {
    done: runs.failed,
    stop: () => runs.stop(),
  };
  const health = stagesHealth([
    respond,
    judges,
    intake,
    aggregator,
    {
      health: () =>
        runs.consuming()
          ? { consuming: true, reason: 'run registry reading' }
          : { consuming: false, reason: 'run registry is not reading its topics' },
    },
  ]);
  const server = await listenMetrics(
    registry,
    at,
    liveRoutes({
      ...aggregator,
      progress: () =>
        runs.list().flatMap((r) =>
          r.state === 'refused'
            ? []
            : [
                {
                  runId: r.runId,
                  pairs: r.pairs,
                  responded: r.responded,
                  deadLettered: r.deadLettered.responder + r.deadLettered.judge,
                },
              ],
        ),
    }),
    health,
    runsApi({
      registry: runs,
      served,
      rubric,
      token,
      logger,
      publish: (request) => requests.publish([{ key: request.requestId, value: request }]),
    }),
  );
  logger.info(
    {
      api: `${server.url}/runs`,
      metrics: `${server.url}/metrics`,
      page: `${server.url}/`,
      responder: `${responder.provider}/${responder.endpoint}`,
      judge: `${judge.provider}/${judge.endpoint}`,
      auth: token === null ? 'loopback only' : 'bearer token',
    },
    'valbench serve running',
  );
  console.error(
    `valbench serve: run API ${server.url}/runs, live page ${server.url}/, metrics ${server.url}/metrics`,
  );
  return runUntilStopped([intake, respond, judges, aggregator, registryService], {
    logger,
    graceMs: runtime.graceMs,
    closers: [
      ['run request producer', () => producer.disconnect()],
      ['http server', () => server.close()],
    ],
  });
}

/**
 * A run's pairs done per stage, as the topics tell (for a budgeted request's pacing): answered or
 * dead-lettered by the responder; judged by every judge asked for it, or dead-lettered.
 */
function pairsDone(view: RunView | null): { responder: number; judge: number } {
  if (view === null) return { responder: 0, judge: 0 };
  const lost = view.deadLettered.responder + view.deadLettered.judge;
  const asked = view.judges.filter((j) => j.requested);
  const judged = asked.length === 0 ? 0 : Math.min(...asked.map((j) => j.judged));
  return { responder: view.responded + view.deadLettered.responder, judge: judged + lost };
}
