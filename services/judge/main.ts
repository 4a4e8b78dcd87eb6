import { collectDefaultMetrics, Registry } from 'prom-client';
import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel, readJudge, readPipeline, readSimulator } from '../../lib/config/sections.ts';
import { runUntilStopped } from '../../lib/lifecycle.ts';
import { createLogger } from '../../lib/log.ts';
import { stageMetrics } from '../../lib/metrics.ts';
import { listenMetrics } from '../../lib/metrics-server.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { startJudgeStage } from './stage.ts';

export const judgeUsage = `usage: valbench judge [options]
  consumes responses and scores each pair with an LLM judge; one consumer group per judge id, so
  a new judge replays every stored response without calling the models again
  --judge-provider simulated|openai|openai-compatible|anthropic --judge-endpoint ALIAS
  --judge-base-url URL --judge-api-key-env NAME --judge-request-timeout-seconds 600
  --judge-simulator-hints
  --judge-model NAME --judge-temperature 0.1 --judge-top-p 0.9 --judge-max-output-tokens 2048
  --rubric FILE (default: services/judge/rubric.md) --reverse --judge-attempts 3
  --concurrency 16 --metrics-port 9466 (0: any, off: none) --grace-seconds 30 --session-timeout-seconds 30
  --topic-prefix valbench. --partitions 6
  simulated judge: --sim-malformed-rate --sim-429-rate ... as in valbench run --help`;

/** `valbench judge`: responses → judgments, one process of this judge's group. */
export async function main(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const {
    settings: s,
    env,
    help,
  } = readCommand(args, ['reverse', 'judge-simulator-hints'], processEnv);
  if (help) {
    console.log(judgeUsage);
    return 0;
  }
  const judge = readJudge(s, env);
  const simulator = readSimulator(s);
  const concurrency = s.number('concurrency', 16, { min: 1, max: 1024, integer: true });
  const listen = readListen(s, 'metrics-port', 9466);
  const graceMs = s.number('grace-seconds', 30, { min: 0 }) * 1000;
  const sessionTimeoutMs = s.number('session-timeout-seconds', 30, { min: 6, max: 300 }) * 1000;
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const logger = createLogger({ level, name: 'valbench-judge' });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'valbench_judge_' });
  const connection = await resolveConnection(env, 'valbench-judge', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const server = listen === null ? null : await listenMetrics(registry, listen);
  const { judgeId, stage } = await startJudgeStage({
    pipeline,
    judge,
    simulator,
    concurrency,
    logger,
    metrics: stageMetrics(registry),
    sessionTimeoutMs,
  });
  logger.info({ judgeId, model: judge.model, metrics: server?.url }, 'judge running');
  return runUntilStopped([stage], {
    logger,
    graceMs,
    closers: server === null ? [] : [['metrics server', () => server.close()]],
  });
}
