import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import {
  logLevel,
  readJudge,
  readPipeline,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { serveStage } from '../../lib/stage-process.ts';
import { startJudgeStage } from './stage.ts';

export const judgeUsage = `usage: valbench judge [options]
  consumes responses and scores each pair with an LLM judge; one consumer group per judge id, so
  a new judge replays every stored response without calling the models again
  --judge-provider simulated|openai|openai-compatible|anthropic --judge-endpoint ALIAS
  --judge-base-url URL --judge-api-key-env NAME --judge-request-timeout-seconds 600
  --judge-simulator-hints
  --judge-model NAME --judge-temperature 0.1 --judge-top-p 0.9 --judge-max-output-tokens 2048
  --rubric FILE (default: services/judge/rubric.md) --reverse --judge-attempts 3
  --concurrency 16 --metrics-port 9466 (0: any, off: none; /healthz answers 503 while not consuming)
  --grace-seconds 30 --session-timeout-seconds 30 --publish-deadline-seconds 600
  --attempts 5 (per call, for 5xx, timeouts, empty completions; then the dead-letter topic)
  --rate-limit-budget-minutes 30 (429s slow the pool down this long, then the judge stops)
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
  const runtime = readStageRuntime(s);
  const pipeline = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  return serveStage(
    { name: 'judge', env, level, pipeline, runtime, listen },
    async ({ pipeline: opened, logger, metrics }) => {
      const { judgeId, stage } = await startJudgeStage({
        pipeline: opened,
        judge,
        simulator,
        concurrency,
        logger,
        metrics,
        retry: runtime.retry,
        sessionTimeoutMs: runtime.sessionTimeoutMs,
        publishDeadlineMs: runtime.publishDeadlineMs,
      });
      return { stage, fields: { judgeId, model: judge.model, concurrency } };
    },
  );
}
