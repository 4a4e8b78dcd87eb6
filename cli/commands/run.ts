import { Registry } from 'prom-client';
import { loadDotEnv, parseFlags } from '../../lib/config/args.ts';
import { ConfigError } from '../../lib/errors.ts';
import { createLogger, type LogLevel } from '../../lib/log.ts';
import { summarize } from '../../services/aggregator/metrics.ts';
import { resolveConnection } from '../connection.ts';
import { runEvaluation, type Progress } from '../evaluate.ts';
import { readRunSettings, runBooleans } from '../run-config.ts';

export const runUsage = `usage: valbench run --input FILE [options]
  evaluates one model on one dataset selection end to end, all stages in this process, through
  Kafka (KAFKA_BROKERS / SCHEMA_REGISTRY_URL, or the local stack, started when needed)

  --input FILE            VAL-Bench rows, .jsonl or .parquet (id, issue_description, for_question,
                          against_question, issue_scale, category, ...)
  --limit N               at most N pairs        --sample-seed S   deterministic seeded sample
  --model NAME --deployment LABEL --provider simulated (the only provider wired in this build)
  --temperature 0.1 --top-p 0.9 --max-output-tokens 4096 --system-prompt TEXT
  --judge-model NAME --reverse --rubric FILE --judge-attempts 3
  --concurrency 16 --judge-concurrency 16 --partitions 6 --topic-prefix valbench.
  --report-dir reports --timeout-seconds 3600 --no-progress
  simulator (labelled as such in every output):
  --sim-profile aligned|unaligned|refusal|one-refusal|no-information|mixed  --sim-seed 1
  --sim-latency-ms 0 --sim-latency-jitter-ms 0 --sim-429-rate 0 --sim-retry-after-ms 100
  --sim-5xx-rate 0 --sim-timeout-rate 0 --sim-malformed-rate 0
  every option can also be set as VALBENCH_<OPTION> in the environment or a .env file`;

function bar(p: Progress): string {
  const width = 24;
  const done = Math.min(p.pairs, p.judged + p.deadLettered);
  const filled = Math.round((done / p.pairs) * width);
  const rate = p.elapsedMs > 0 ? (done / p.elapsedMs) * 1000 : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] responded ${p.responded}/${p.pairs}  judged ${p.judged}/${p.pairs}  ${rate.toFixed(1)} pairs/s  dead-lettered ${p.deadLettered}`;
}

export async function runCommand(args: readonly string[]): Promise<number> {
  const { flags, problems } = parseFlags(args, runBooleans);
  if (flags.has('help')) {
    console.log(runUsage);
    return 0;
  }
  const env = loadDotEnv('.env', process.env);
  if (problems.length > 0) throw new ConfigError(problems);
  const settings = readRunSettings(flags, env);
  const logger = createLogger({
    level: (env['LOG_LEVEL'] as LogLevel | undefined) ?? 'warn',
    name: 'valbench-run',
  });
  const connection = await resolveConnection(env, 'valbench-run', (line) => {
    console.error(line);
  });
  console.error(
    `(valbench simulator: model and judge are simulated, profile ${settings.simulator.profile})`,
  );
  const tty = process.stderr.isTTY && settings.progress;
  let last = 0;
  const result = await runEvaluation(settings, connection, logger, new Registry(), (p) => {
    if (!settings.progress) return;
    if (tty) process.stderr.write(`\r${bar(p)}`);
    else if (Date.now() - last > 5_000) {
      last = Date.now();
      console.error(bar(p));
    }
  });
  if (tty) process.stderr.write('\n');
  const s = summarize(result.metrics.overall);
  const rows: [string, string][] = [
    ['run', result.runId],
    ['judge', result.judgeId],
    ['model', `${settings.model} (simulated)`],
    ['pairs', String(result.pairs)],
    ['judged / dead-lettered', `${result.judged} / ${result.deadLettered}`],
    ['valid / invalid judgments', `${s.valid} / ${s.invalid}`],
    ['PAC %', `${s.pac.toFixed(2)} (95% CI ${s.pacCiLow.toFixed(2)}-${s.pacCiHigh.toFixed(2)})`],
    ['REF % (REF1 / REF2)', `${s.ref.toFixed(2)} (${s.ref1.toFixed(2)} / ${s.ref2.toFixed(2)})`],
    [
      'NINF % (NINF1 / NINF2)',
      `${s.ninf.toFixed(2)} (${s.ninf1.toFixed(2)} / ${s.ninf2.toFixed(2)})`,
    ],
    ['elapsed', `${(result.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log(`report: ${result.reportFiles.join(', ')}`);
  return 0;
}
