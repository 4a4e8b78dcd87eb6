import { resolve } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel, readPipeline } from '../../lib/config/sections.ts';
import { runUntilStopped } from '../../lib/lifecycle.ts';
import { createLogger } from '../../lib/log.ts';
import { openPipeline } from '../../lib/pipeline.ts';
import { writeReport } from './report.ts';
import { startAggregator } from './service.ts';

export const aggregateUsage = `usage: valbench aggregate [options]
  consumes judgments and keeps, per (run, judge), PAC with its 95% interval, refusal and
  no-information rates, breakdowns and the score distribution, cumulative and over rolling
  windows; serves /metrics (Prometheus), /api/metrics (JSON) and /healthz. Its state is rebuilt
  from the judgments topic on every start, each judgment key counted once.
  --metrics-port 9464 (0: any free port)  --metrics-host 0.0.0.0
  --window-size 1000 (last N judgments)   --window-minutes 15 (last T minutes)
  --retire-after-minutes 1440 (a run judged last longer ago leaves /metrics: a year of runs is
                               not a million series; its numbers stay in /api/metrics)
  --group <prefix>aggregator           --report-dir DIR (write each run's report on stop)
  --grace-seconds 10 --topic-prefix valbench. --partitions 6`;

/** `valbench aggregate`: judgments → rolling metrics on /metrics and /api/metrics. */
export async function main(
  args: readonly string[],
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  const { settings: s, env, help } = readCommand(args, [], processEnv);
  if (help) {
    console.log(aggregateUsage);
    return 0;
  }
  const listen = readListen(s, 'metrics-port', 9464) ?? { port: 9464, host: '0.0.0.0' };
  const windowSize = s.number('window-size', 1000, { min: 1, integer: true });
  const windowMinutes = s.number('window-minutes', 15, { min: 0.1 });
  const retireAfterMinutes = s.number('retire-after-minutes', 1440, { min: 1 });
  const group = s.optionalString('group');
  const reportDir = s.optionalString('report-dir');
  const graceMs = s.number('grace-seconds', 10, { min: 0 }) * 1000;
  const pipelineSettings = readPipeline(s);
  const level = logLevel(env, s);
  finishSettings(s);

  const logger = createLogger({ level, name: 'valbench-aggregator' });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'valbench_aggregator_' });
  const connection = await resolveConnection(env, 'valbench-aggregator', (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, pipelineSettings, logger);
  const aggregator = await startAggregator({
    pipeline,
    groupId: group ?? `${pipelineSettings.topicPrefix}aggregator`,
    windowSize,
    windowMinutes,
    retireAfterMinutes,
    registry,
    logger,
    listen,
  });
  logger.info({ url: aggregator.url }, 'aggregator running');
  const code = await runUntilStopped([aggregator], { logger, graceMs });
  if (reportDir !== null) {
    for (const state of aggregator.state.states()) {
      const dir = resolve(reportDir, `${state.runId}-${state.judgeId}`);
      await writeReport(dir, state.cumulative, {
        caption: `run ${state.runId}, judge ${state.judgeId}`,
      });
      logger.info({ dir }, 'report written');
    }
  }
  return code;
}
