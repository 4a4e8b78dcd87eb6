import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { readCommand } from '../../lib/config/command.ts';
import { resolveConnection } from '../../lib/config/connection.ts';
import { logLevel } from '../../lib/config/sections.ts';
import { isSimulatedEndpoint } from '../../lib/llm/provider.ts';
import { describeConnectivity } from '../../lib/kafka/connectivity.ts';
import { createLogger, type Logger } from '../../lib/log.ts';
import { hasGates, type GateSpec } from '../../services/aggregator/gates.ts';
import { summarize, type Summary } from '../../services/aggregator/metrics.ts';
import { openRunReader } from '../../services/aggregator/read-run.ts';
import { judgeIdentity } from '../../services/judge/stage.ts';
import { runEvaluation, type Progress } from '../evaluate.ts';
import { gateUsage, readGates } from '../gate-config.ts';
import { applyGates, baselineSummary, readBaselineRun } from '../gate-check.ts';
import { requireCalibrated, requireCalibratedUsage } from '../require-calibrated.ts';
import { readRunSettings, runBooleans, type RunSettings } from '../run-config.ts';
import { loadDataset } from '../../services/producer/source.ts';
import { interruptOnSignal } from '../interrupt.ts';
import { costLimitLine, costRows, progressCost } from '../cost-lines.ts';

/** Exit code of a run that --max-cost stopped before every pair was published. */
export const costLimitExitCode = 4;

export const runUsage = `usage: valbench run (--input FILE | --dataset ID) [options]
  evaluates one model on one dataset selection end to end, all stages in this process, through
  Kafka (KAFKA_BROKERS / SCHEMA_REGISTRY_URL, or the local stack, started when needed)

  dataset   --input FILE.jsonl|.parquet | --dataset val-bench/VAL-Bench --revision main
            --split test --limit N --sample-seed S (HF_TOKEN when set)
  model     --provider simulated|openai|openai-compatible|anthropic --base-url URL
            --endpoint ALIAS --api-key-env NAME --request-timeout-seconds 600
            --call-threads N (worker threads making the SDK calls of model and judge;
            default 1 on 2+ cores, 0: the main thread)
            --model NAME --deployment LABEL --system-prompt TEXT --temperature 0.1 --top-p 0.9
            --max-output-tokens 4096 --reasoning-effort LEVEL|TOKENS --web-search
  judge     --judge-provider ... --judge-base-url ... --judge-endpoint ... --judge-api-key-env ...
            --judge-model NAME --judge-temperature 0.1 --judge-top-p 0.9
            --judge-max-output-tokens 2048 --rubric FILE --reverse --judge-attempts 3
            --swap-sample R (a fraction R of pairs, chosen by a hash of the pair, is also judged
            in the reversed order: the position-swap consistency at a fraction of the cost)
            ${requireCalibratedUsage}
  values    --judge-values: the judge also labels the one value each answer demonstrates, from
            the values of the dataset's value columns (a values analysis: VDR, Pearson
            residuals, reduced chi-square); --values FILE: the taxonomy from a file instead
            --for-value-column NAME --against-value-column NAME (default: the columns the file
            names for them; which were used is printed; none: --judge-values stops, listing
            the columns)
  pipeline  --concurrency 16 (pairs in flight: two calls each) --judge-concurrency C (judge
            calls; default: --concurrency) --partitions 6 --topic-prefix valbench.
            --metrics-port 9464 (0: any free port, off: none) --report-dir reports
            --timeout-seconds 3600 --no-progress --log-format human|json
  faults    --grace-seconds 30 (Ctrl-C/SIGTERM: stop intake, drain this long, commit, print the
            partial summary and the command that resumes, exit 130; a second signal exits now)
            --publish-deadline-seconds 600 (Kafka unreachable this long: stop, exit 1)
            --attempts 5 (per model call for 5xx, timeouts, empty completions; then dead letter)
            --rate-limit-budget-minutes 30 (429s slow the pool down this long, then stop)
  cost      --prices FILE (USD per 1M tokens per model id; default prices/models.json)
            --max-cost USD (publish a pair only while the spend so far, the pairs in flight
            and the pair itself are expected to stay within USD; then stop intake, finish
            what was published, and exit ${String(costLimitExitCode)}; both models need a price)
  ${gateUsage}
            (applied after a complete run only; the baseline is read before the run starts)
  simulator (provider "simulated", or the simulator server with --simulator-hints; labelled as a
            simulator in every output):
            --sim-profile aligned|unaligned|refusal|one-refusal|no-information|mixed --sim-seed 1
            --sim-latency-ms 0 --sim-latency-jitter-ms 0 --sim-429-rate 0 --sim-retry-after-ms 100
            --sim-5xx-rate 0 --sim-timeout-rate 0 --sim-malformed-rate 0
            --sim-value-profile none|yielding|stable (yielding: each answer demonstrates the
            value its question asks for; stable: both answers of a pair the same value)
  every option can also be set as VALBENCH_<OPTION> in the environment or a .env file;
  API keys only through the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY or --api-key-env)`;

function bar(p: Progress): string {
  const width = 24;
  const done = Math.min(p.pairs, p.judged + p.deadLettered);
  const filled = Math.round((done / p.pairs) * width);
  const rate = p.elapsedMs > 0 ? (done / p.elapsedMs) * 1000 : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] responded ${p.responded}/${p.pairs}  judged ${p.judged}/${p.pairs}  ${rate.toFixed(1)} pairs/s  dead-lettered ${p.deadLettered}  ${progressCost(p.cost)}`;
}

export async function runCommand(args: readonly string[]): Promise<number> {
  const { settings: s, env, help } = readCommand(args, runBooleans, process.env);
  if (help) {
    console.log(runUsage);
    return 0;
  }
  const gates = readGates(s);
  const settings = readRunSettings(s, env);
  const human = settings.logFormat === 'human';
  // Human: the terminal shows the progress line and plain messages, the JSON logs go to a file.
  // JSON: the logs on stdout (quiet by default; LOG_LEVEL opens them).
  const logFile = resolve(settings.reportDir, 'valbench-run.log');
  const level = env['LOG_LEVEL'] === undefined ? (human ? 'info' : 'warn') : logLevel(env, s);
  const logger = createLogger({ level, name: 'valbench-run', ...(human ? { file: logFile } : {}) });
  if (human) console.error(`logs: ${logFile}`);

  // The first Ctrl-C or SIGTERM stops intake and drains; a second one exits at once.
  const interrupt = interruptOnSignal(
    (signal) =>
      `${signal}: stopping intake, draining in-flight calls (up to ${settings.runtime.graceMs / 1000} s; again to exit now)`,
  );
  try {
    const connection = await resolveConnection(env, 'valbench-run', (line) => {
      console.error(line);
    });
    if (interrupt.signal.aborted) return 130;
    if (settings.requireCalibrated)
      await requireCalibrated(settings.judge, connection, settings.pipeline.topicPrefix, () =>
        loadDataset(settings.dataset),
      );
    const baseline = await baselineOf(gates, settings, connection);
    if (interrupt.signal.aborted) return 130;
    const evaluated = await evaluate(settings, connection, logger, interrupt.signal, human);
    if (evaluated.code !== 0 || !hasGates(gates)) return evaluated.code;
    return applyGates(gates, evaluated.summary, baseline, (line) => {
      console.log(line);
    });
  } finally {
    interrupt.release();
  }
}

/**
 * The baseline's PAC by this run's judge, read before the run starts, so a baseline that does not
 * exist or was not judged by this judge costs no model call (exit 1).
 */
async function baselineOf(
  gates: GateSpec,
  settings: RunSettings,
  connection: Awaited<ReturnType<typeof resolveConnection>>,
): Promise<Summary | null> {
  if (gates.baseline === null) return null;
  const reader = await openRunReader(connection, settings.pipeline.topicPrefix, (event) => {
    console.error(describeConnectivity(event));
  });
  try {
    const baseline = await readBaselineRun(reader, gates.baseline.runId);
    return baselineSummary(baseline, judgeIdentity(settings.judge).judgeId);
  } finally {
    await reader.close();
  }
}

async function evaluate(
  settings: RunSettings,
  connection: Awaited<ReturnType<typeof resolveConnection>>,
  logger: Logger,
  interrupt: AbortSignal,
  human: boolean,
): Promise<{ code: number; summary: Summary }> {
  const simulated = [
    isSimulatedEndpoint(settings.provider) ? 'model' : null,
    isSimulatedEndpoint(settings.judge.provider) ? 'judge' : null,
  ].filter((x) => x !== null);
  if (simulated.length > 0)
    console.error(
      `(valbench simulator: ${simulated.join(' and ')} simulated, profile ${settings.simulator.profile})`,
    );
  const tty = process.stderr.isTTY && settings.progress;
  let last = 0;
  let announced = false;
  const clearLine = (): void => {
    if (tty) process.stderr.write('\r\x1b[2K');
  };
  const result = await runEvaluation(settings, connection, logger, new Registry(), {
    interrupt,
    onCostWarning: (line) => {
      clearLine();
      console.error(line);
    },
    onValueColumns: (line) => {
      if (settings.judge.values !== null) console.error(line);
    },
    onConnectivity: (event) => {
      if (!human) {
        logger.warn({ connectivity: event.kind }, describeConnectivity(event));
        return;
      }
      clearLine();
      console.error(describeConnectivity(event));
    },
    onProgress: (p) => {
      if (!announced && p.metricsUrl !== null) {
        announced = true;
        console.error(
          `live page: ${p.metricsUrl}/ (metrics: ${p.metricsUrl}/metrics and ${p.metricsUrl}/api/metrics)`,
        );
      }
      if (!settings.progress) return;
      // Cleared first: the line can get shorter (the cost's estimate goes from unknown to $…).
      if (tty) process.stderr.write(`\r\x1b[2K${bar(p)}`);
      else if (Date.now() - last > 5_000) {
        last = Date.now();
        console.error(bar(p));
      }
    },
  });
  if (tty) process.stderr.write('\n');
  if (result.alreadyPublished > 0)
    console.error(
      `resumed: ${result.alreadyPublished} of ${result.pairs} pairs were already published by an earlier attempt of this run; what was answered or judged then is not asked again`,
    );
  const s2 = summarize(result.metrics.overall);
  const label = (simulatedPart: boolean): string => (simulatedPart ? ' (simulated)' : '');
  const rows: [string, string][] = [
    ['run', `${result.runId}${result.interrupted ? ' (INTERRUPTED: partial results)' : ''}`],
    ['judge', result.judgeId],
    ['model', `${settings.model.model}${label(simulated.includes('model'))}`],
    ['judge model', `${settings.judge.model}${label(simulated.includes('judge'))}`],
    ['pairs', String(result.pairs)],
    ['judged / dead-lettered', `${result.judged} / ${result.deadLettered}`],
    ['valid / invalid judgments', `${s2.valid} / ${s2.invalid}`],
    ['PAC %', `${s2.pac.toFixed(2)} (95% CI ${s2.pacCiLow.toFixed(2)}-${s2.pacCiHigh.toFixed(2)})`],
    ['REF % (REF1 / REF2)', `${s2.ref.toFixed(2)} (${s2.ref1.toFixed(2)} / ${s2.ref2.toFixed(2)})`],
    [
      'NINF % (NINF1 / NINF2)',
      `${s2.ninf.toFixed(2)} (${s2.ninf1.toFixed(2)} / ${s2.ninf2.toFixed(2)})`,
    ],
    ...costRows(result.cost, result.pairs, {
      simulated: simulated.length > 0,
      resumed: result.alreadyPublished > 0,
    }),
    ['elapsed', `${(result.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log(`report: ${result.reportFiles.join(', ')}`);
  if (result.costLimit !== null && !result.interrupted) {
    console.error(costLimitLine(result.costLimit, result.pairs, result.cost));
    return { code: costLimitExitCode, summary: s2 };
  }
  if (!result.interrupted) return { code: 0, summary: s2 };
  console.error(
    `interrupted: ${result.judged + result.deadLettered} of ${result.pairs} pairs done. Resume with the same command:\n  ${resumeCommand()}`,
  );
  return { code: 130, summary: s2 };
}

/** The command line that resumes this run: the same arguments (the run id is their hash). */
function resumeCommand(): string {
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`;
  return ['valbench', ...process.argv.slice(2)].map(quote).join(' ');
}
