import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import { createCostLedger } from '../../lib/cost/ledger.ts';
import { readCostSettings } from '../../lib/cost/settings.ts';
import {
  logLevel,
  readPipeline,
  readProvider,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { serveStage } from '../../lib/stage-process.ts';
import { startResponderStage } from './stage.ts';

export const respondUsage = `usage: valbench respond [options]
  consumes prompts and asks the model under test both questions (separate conversations) for the
  runs on this endpoint; runs until SIGINT/SIGTERM, then drains in-flight calls
  --provider simulated|openai|openai-compatible|anthropic
  --endpoint ALIAS      the alias runs name (default: provider, or the base URL's host)
  --base-url URL        required for openai-compatible (vLLM, Ollama, llama.cpp: http://host:8000/v1)
  --api-key-env NAME    variable holding the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)
  --request-timeout-seconds 600   --simulator-hints (send pair hints to the simulator server)
  --call-threads N      worker threads that make the SDK calls (default 1 on 2+ cores, 0 on one:
                        the main thread makes them)
  --concurrency 16      pairs in flight in this process, two model calls each, each call in its
                        own slot (adapts down on 429)
  --group ID            consumer group (default <topic-prefix>responder-<endpoint>)
  --metrics-port 9465   Prometheus /metrics (0: any free port, off: none)
  --grace-seconds 30 --session-timeout-seconds 30 --publish-deadline-seconds 600
  --attempts 5 (per call, for 5xx, timeouts, empty completions; then the dead-letter topic)
  --rate-limit-budget-minutes 30 (429s slow the pool down this long, then the responder stops)
  --prices FILE         USD per 1M tokens per model id (default prices/models.json): valbench_cost_usd_total
  --topic-prefix valbench. --partitions 6      /healthz on the metrics port: 503 while not consuming
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
  const runtime = readStageRuntime(s);
  const pipeline = readPipeline(s);
  const level = logLevel(env, s);
  const { prices } = readCostSettings(s, { budget: false, priced: [] });
  finishSettings(s);

  return serveStage(
    { name: 'responder', env, level, pipeline, runtime, listen },
    async ({ pipeline: opened, logger, metrics }) => {
      const stage = await startResponderStage({
        pipeline: opened,
        provider,
        simulator,
        concurrency,
        ...(group === null ? {} : { groupId: group }),
        logger,
        metrics,
        ledger: createCostLedger({
          prices,
          counter: metrics.costUsd,
          warn: (line) => {
            logger.warn(line);
          },
        }),
        retry: runtime.retry,
        sessionTimeoutMs: runtime.sessionTimeoutMs,
        publishDeadlineMs: runtime.publishDeadlineMs,
      });
      return {
        stage,
        fields: { provider: provider.provider, endpoint: provider.endpoint, concurrency },
      };
    },
  );
}
