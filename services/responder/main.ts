import { collectDefaultMetrics, Registry } from 'prom-client';
import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel, readPipeline, readProvider, readSimulator } from '../../lib/config/sections.ts';
import { runUntilStopped } from '../../lib/lifecycle.ts';
import { createLogger } from '../../lib/log.ts';
import { stageMetrics } from '../../lib/metrics.ts';
import { listenMetrics } from '../../lib/metrics-server.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { startResponderStage } from './stage.ts';

export const respondUsage = `usage: valbench respond [options]
  consumes prompts and asks the model under test both questions (separate conversations) for the
  runs on this endpoint; runs until SIGINT/SIGTERM, then drains in-flight calls
  --provider simulated|openai|openai-compatible|anthropic
  --endpoint ALIAS      the alias runs name (default: provider, or the base URL's host)
  --base-url URL        required for openai-compatible (vLLM, Ollama, llama.cpp: http://host:8000/v1)
  --api-key-env NAME    variable holding the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)
  --request-timeout-seconds 600   --simulator-hints (send pair hints to the simulator server)
  --concurrency 16      model calls in flight in this process (adapts down on 429)
  --group ID            consumer group (default <topic-prefix>responder-<endpoint>)
  --metrics-port 9465   Prometheus /metrics (0: any free port, off: none)
  --grace-seconds 30 --session-timeout-seconds 30    --topic-prefix valbench. --partitions 6
  simulated provider: --sim-profile --sim-seed --sim-latency-ms ... as in valbench run --help`;

/** `valbench respond`: prompts → responses, one process of the responder group. */
export async function main(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const { settings: s, env, help } = readCommand(args, ['simulator-hints'], processEnv);
  if (help) {
    console.log(respondUsage);
    return 0;
  }
  const provider = readProvider(s, '', env);
  const simulator = readSimulator(s);
  const concurrency = s.number('concurrency', 16, { min: 1, max: 1024, integer: true });
  const group = s.optionalString('group');
  const listen = readListen(s, 'metrics-port', 9465);
  const graceMs = s.number('grace-seconds', 30, { min: 0 }) * 1000;
  const sessionTimeoutMs = s.number('session-timeout-seconds', 30, { min: 6, max: 300 }) * 1000;
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const logger = createLogger({ level, name: 'valbench-responder' });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'valbench_responder_' });
  const connection = await resolveConnection(env, 'valbench-responder', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const server = listen === null ? null : await listenMetrics(registry, listen);
  const stage = await startResponderStage({
    pipeline,
    provider,
    simulator,
    concurrency,
    ...(group === null ? {} : { groupId: group }),
    logger,
    metrics: stageMetrics(registry),
    sessionTimeoutMs,
  });
  logger.info(
    { provider: provider.provider, endpoint: provider.endpoint, metrics: server?.url, concurrency },
    'responder running',
  );
  return runUntilStopped([stage], {
    logger,
    graceMs,
    closers: server === null ? [] : [['metrics server', () => server.close()]],
  });
}
