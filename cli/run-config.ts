import type { Settings } from '../lib/config/args.ts';
import { finishSettings, readListen } from '../lib/config/command.ts';
import {
  readDataset,
  readJudge,
  readModel,
  readPipeline,
  readPoolSizes,
  readProvider,
  readSimulator,
  readStageRuntime,
  type DatasetSettings,
  type JudgeSettings,
  type ModelSettings,
  type PipelineSettings,
  type StageRuntime,
} from '../lib/config/sections.ts';
import { readCostSettings, type CostSettings } from '../lib/cost/settings.ts';
import type { ProviderSettings } from '../lib/llm/provider.ts';
import type { SimulatorOptions } from '../lib/simulator/model.ts';

/** Everything `valbench run` needs, validated before anything touches a topic. */
export interface RunSettings {
  dataset: DatasetSettings;
  provider: ProviderSettings;
  model: ModelSettings;
  judge: JudgeSettings;
  simulator: SimulatorOptions;
  concurrency: number;
  judgeConcurrency: number;
  pipeline: PipelineSettings;
  reportDir: string;
  /** Where the aggregator serves /metrics and /api/metrics during the run; null: not served. */
  listen: { port: number; host: string } | null;
  progress: boolean;
  timeoutSeconds: number;
  /** Drain, publish deadline and retry budgets of the responder and judge pools. */
  runtime: StageRuntime;
  /** human: progress and plain messages on the terminal, logs to a file; json: logs on stdout. */
  logFormat: 'human' | 'json';
  /** Refuse a judge that has not passed `valbench calibrate` (read back from the topics). */
  requireCalibrated: boolean;
  /** The price table (--prices) and the budget (--max-cost). */
  cost: CostSettings;
}

export const runBooleans = [
  'reverse',
  'no-progress',
  'web-search',
  'simulator-hints',
  'judge-simulator-hints',
  'judge-values',
  'require-calibrated',
];

export function readRunSettings(s: Settings, env: NodeJS.ProcessEnv): RunSettings {
  const model = readModel(s);
  const judge = readJudge(s, env);
  const settings: RunSettings = {
    dataset: readDataset(s, env),
    provider: readProvider(s, '', env),
    model,
    judge,
    simulator: readSimulator(s),
    ...readPoolSizes(s),
    pipeline: readPipeline(s),
    reportDir: s.string('report-dir', 'reports'),
    listen: readListen(s, 'metrics-port', 9464),
    progress: !s.boolean('no-progress', false),
    timeoutSeconds: s.number('timeout-seconds', 3600, { min: 1 }),
    runtime: readStageRuntime(s),
    logFormat: s.oneOf('log-format', ['human', 'json'] as const, 'human'),
    requireCalibrated: s.boolean('require-calibrated', false),
    cost: readCostSettings(s, { budget: true, priced: [model.model, judge.model] }),
  };
  finishSettings(s);
  return settings;
}
