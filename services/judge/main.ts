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
import { serveJudgeRequests } from './requests.ts';

export const judgeUsage = `usage: valbench judge [options]
  a judge process for one judge endpoint, for good: it serves every judge request (judge
  configuration + run ids, on the judge-requests topic, from valbench run, replay and serve) whose
  judge is on this endpoint, judging the stored responses of the runs named and only those; one
  consumer group per request, so several judge processes of an endpoint split the work
  --judge-provider simulated|openai|openai-compatible|anthropic --judge-endpoint ALIAS
  --judge-base-url URL --judge-api-key-env NAME --judge-request-timeout-seconds 600
  --judge-simulator-hints --call-threads N (worker threads making the SDK calls; default 1 on
  2+ cores, 0: the main thread)
  --concurrency 16 (per judge request) --metrics-port 9466 (0: any, off: none; /healthz answers
  503 while not consuming)
  --grace-seconds 30 --session-timeout-seconds 30 --publish-deadline-seconds 600
  --attempts 5 (per call, for 5xx, timeouts, empty completions; then the dead-letter topic)
  --rate-limit-budget-minutes 30 (429s slow the pool down this long, then the judge stops)
  --topic-prefix valbench. --partitions 6
  --prices FILE (USD per 1M tokens per model id; default prices/models.json): the cost metric
  simulated judge: --sim-malformed-rate --sim-429-rate ... as in valbench run --help
  (model, sampling, rubric and pair order come with each request: see valbench replay --help)`;

/** `valbench judge`: judge requests for this endpoint → judgments of the runs they name. */
export async function main(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const { settings: s, env, help } = readCommand(args, ['judge-simulator-hints'], processEnv);
  if (help) {
    console.log(judgeUsage);
    return 0;
  }
  const provider = readProvider(s, 'judge-', env);
  const simulator = readSimulator(s);
  const concurrency = s.number('concurrency', 16, { min: 1, max: 1024, integer: true });
  const listen = readListen(s, 'metrics-port', 9466);
  const runtime = readStageRuntime(s);
  const pipeline = readPipeline(s);
  const level = logLevel(env, s);
  const { prices } = readCostSettings(s, { budget: false, priced: [] });
  finishSettings(s);

  return serveStage(
    { name: 'judge', env, level, pipeline, runtime, listen },
    async ({ pipeline: opened, logger, metrics }) => {
      const service = await serveJudgeRequests({
        pipeline: opened,
        provider,
        simulator,
        concurrency,
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
      return { stage: service, fields: { endpoint: provider.endpoint, concurrency } };
    },
  );
}
