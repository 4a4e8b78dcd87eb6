import { Registry } from 'prom-client';
import { finishSettings, readCommand, readListen } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import {
  logLevel,
  readJudge,
  readPipeline,
  readSimulator,
  readStageRuntime,
} from '../../lib/config/sections.ts';
import { isSimulatedEndpoint } from '../../lib/llm/provider.ts';
import { createLogger } from '../../lib/log.ts';
import { summarize } from '../../services/aggregator/metrics.ts';
import { runReplay, type ReplaySettings } from '../replay.ts';
import { requireCalibrated, requireCalibratedUsage } from '../require-calibrated.ts';
import { interruptOnSignal } from '../interrupt.ts';
import { formatUsd } from '../../lib/cost/cost.ts';
import type { CostEstimate } from '../../lib/cost/estimate.ts';
import { readCostSettings } from '../../lib/cost/settings.ts';

export const replayUsage = `usage: valbench replay --run ID [--run ID ...] [judge options]
  judges the stored responses of exactly the runs named with a judge (a new one, or the same
  again): no call to the model under test, no judge call for any other run. A judge request
  (judge configuration + run ids) goes on the judge-requests topic; this process serves it and
  waits, writing a report per run (or, with --detach, leaves it to a running valbench judge or
  serve process). Pairs this judge has judged already are not judged again.
  --run ID (repeatable, or comma-separated)
  --judge-provider simulated|openai|openai-compatible|anthropic --judge-endpoint ALIAS
  --judge-base-url URL --judge-api-key-env NAME --judge-request-timeout-seconds 600
  --judge-model NAME --judge-temperature 0.1 --judge-top-p 0.9 --judge-max-output-tokens 2048
  --rubric FILE --reverse --judge-attempts 3 --judge-simulator-hints
  --call-threads N (worker threads making the SDK calls; default 1 on 2+ cores, 0: main thread)
  ${requireCalibratedUsage}
  --judge-values (label the value each answer demonstrates, from the values the stored pairs'
  questions ask for) or --values FILE (the taxonomy, one value per line)
  --concurrency 16 --metrics-port 9464 (0: any, off: none) --report-dir reports
  --timeout-seconds 3600 --detach --prices FILE (prices the judge calls: cost line, cost.csv)
  --grace-seconds 30 --publish-deadline-seconds 600 --attempts 5 --rate-limit-budget-minutes 30
  --topic-prefix valbench. --partitions 6   simulated judge: --sim-* as in valbench run --help`;

/** `valbench replay`: a judge over the stored responses of the runs named, and only those. */
export async function replayCommand(args: readonly string[]): Promise<number> {
  const {
    settings: s,
    env,
    help,
  } = readCommand(
    args,
    ['reverse', 'judge-simulator-hints', 'detach', 'judge-values', 'require-calibrated'],
    process.env,
  );
  if (help) {
    console.log(replayUsage);
    return 0;
  }
  const runIds = s.list('run');
  if (runIds.length === 0) s.problems.push('--run ID is required (repeat it for several runs)');
  for (const id of runIds)
    if (!/^run-[0-9a-f]{16}$/.test(id)) s.problems.push(`--run ${id}: not a run id (run-<16 hex>)`);
  const settings: ReplaySettings = {
    runIds,
    judge: readJudge(s, env),
    simulator: readSimulator(s),
    concurrency: s.number('concurrency', 16, { min: 1, max: 1024, integer: true }),
    pipeline: readPipeline(s),
    reportDir: s.string('report-dir', 'reports'),
    listen: readListen(s, 'metrics-port', 9464),
    timeoutSeconds: s.number('timeout-seconds', 3600, { min: 1 }),
    runtime: readStageRuntime(s),
    detach: s.boolean('detach', false),
    prices: readCostSettings(s, { budget: false, priced: [] }).prices,
  };
  const calibrated = s.boolean('require-calibrated', false);
  const level = logLevel(env, s);
  finishSettings(s);
  const logger = createLogger({
    level: env['LOG_LEVEL'] === undefined ? 'warn' : level,
    name: 'valbench-replay',
  });
  if (isSimulatedEndpoint(settings.judge.provider))
    console.error(`(valbench simulator: judge simulated, profile ${settings.simulator.profile})`);
  const interrupt = interruptOnSignal(
    () => 'stopping: draining in-flight judge calls (again to exit now)',
  );
  try {
    const connection = await resolveConnection(env, 'valbench-replay', (line) => {
      console.error(line);
    });
    if (calibrated)
      await requireCalibrated(settings.judge, connection, settings.pipeline.topicPrefix);
    let last = 0;
    const result = await runReplay(settings, connection, logger, new Registry(), {
      interrupt: interrupt.signal,
      onCostWarning: (line) => {
        console.error(line);
      },
      onProgress: (c) => {
        if (Date.now() - last < 5_000) return;
        last = Date.now();
        console.error(`judged ${c.judged}/${c.expected}  dead-lettered ${c.deadLettered}`);
      },
    });
    console.log(`judge request ${result.requestId} (judge ${result.judgeId})`);
    if (settings.detach) {
      for (const [runId, n] of result.responses)
        console.log(`${runId}: ${n} stored responses, left to the judge processes of the endpoint`);
      return 0;
    }
    for (const [runId, m] of result.metrics) {
      const t = summarize(m.overall);
      console.log(
        `${runId}: ${result.responses.get(runId) ?? 0} responses, ${t.valid} valid / ${t.invalid} invalid; PAC ${t.pac.toFixed(2)} % (95% CI ${t.pacCiLow.toFixed(2)}-${t.pacCiHigh.toFixed(2)}), REF ${t.ref.toFixed(2)} %, NINF ${t.ninf.toFixed(2)} %${judgeCost(result.cost.get(runId))}`,
      );
    }
    console.log(`report: ${result.reportFiles.join(', ')}`);
    if (!result.interrupted) return 0;
    console.error(
      `interrupted: ${result.completion.judged + result.completion.deadLettered} of ${result.completion.expected} pairs done; the same command resumes`,
    );
    return 130;
  } finally {
    interrupt.release();
  }
}

/** The judge's cost of a run in the replay's line: spent here and the estimate for its pairs. */
function judgeCost(cost: CostEstimate | undefined): string {
  if (cost === undefined) return '';
  return `; judge cost ${formatUsd(cost.spentUsd)} (est. ${formatUsd(cost.estimateUsd)} for every stored response)`;
}
