import { collectDefaultMetrics, Registry } from 'prom-client';
import type { PipelineSettings, StageRuntime } from './config/sections.ts';
import { resolveConnection } from './config/connection.ts';
import type { StageHealth } from './kafka/stage.ts';
import { runUntilStopped, type Service } from './lifecycle.ts';
import { createLogger, type Logger, type LogLevel } from './log.ts';
import { stageMetrics, type StageMetrics } from './metrics.ts';
import { listenMetrics, stagesHealth } from './metrics-server.ts';
import { openPipeline, type Pipeline } from './pipeline.ts';

/** What a stage command has read and validated before anything touches a topic. */
export interface StageProcessConfig {
  /** responder | judge: names the logger, the process metrics prefix and the Kafka client id. */
  name: 'responder' | 'judge';
  env: NodeJS.ProcessEnv;
  level: LogLevel;
  pipeline: PipelineSettings;
  runtime: StageRuntime;
  /** Where /metrics and /healthz listen; null: not served. */
  listen: { port: number; host: string } | null;
}

export interface StageDeps {
  pipeline: Pipeline;
  logger: Logger;
  metrics: StageMetrics;
  runtime: StageRuntime;
}

/**
 * The wiring every consuming stage process shares, after its config is read: logger, metrics
 * registry, connection, pipeline, the stage itself, /metrics and /healthz (503 while the stage
 * does not consume), then run until a signal or a fatal error and shut down.
 */
export async function serveStage(
  config: StageProcessConfig,
  start: (
    deps: StageDeps,
  ) => Promise<{ stage: Service & { health(): StageHealth }; fields: Record<string, unknown> }>,
): Promise<number> {
  const logger = createLogger({ level: config.level, name: `valbench-${config.name}` });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `valbench_${config.name}_` });
  const connection = await resolveConnection(config.env, `valbench-${config.name}`, (line) => {
    logger.info(line);
  });
  const pipeline = await openPipeline(connection, config.pipeline, logger);
  const { stage, fields } = await start({
    pipeline,
    logger,
    metrics: stageMetrics(registry),
    runtime: config.runtime,
  });
  const server =
    config.listen === null
      ? null
      : await listenMetrics(registry, config.listen, {}, stagesHealth([stage]));
  logger.info({ ...fields, metrics: server?.url }, `${config.name} running`);
  return runUntilStopped([stage], {
    logger,
    graceMs: config.runtime.graceMs,
    closers: server === null ? [] : [['metrics server', () => server.close()]],
  });
}
