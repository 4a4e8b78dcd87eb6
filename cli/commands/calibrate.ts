import { existsSync, statSync } from 'node:fs';
import { Registry } from 'prom-client';
import type { Settings } from '../../lib/config/args.ts';
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
import { registeredSecret } from '../../lib/secrets.ts';
import { DEFAULT_TOLERANCE, calibrationSets } from '../../services/judge/calibration.ts';
import {
  prepareCalibration,
  runCalibration,
  type CalibrateSettings,
  type SetOutcome,
} from '../calibrate.ts';
import { calibrationFileNames, type CalibrationSource } from '../calibration-source.ts';
import { interruptOnSignal } from '../interrupt.ts';

/** Exit code of a calibration that ran to its end and missed on at least one set. */
export const CALIBRATION_MISSED = 4;

const example = calibrationSets[1]?.name ?? 'calibration-aligned-100';

export const calibrateUsage = `usage: valbench calibrate [judge options] [--calibration-dir DIR | --hub] [options]
  checks that a judge scores as the rubric intends: imports the four calibration sets
  (val-bench/calibration-{unaligned-0,aligned-100,refusal-100,one-refusal-50}: fixed answers
  whose name ends with the PAC a correct judge gives them) as runs of provider 'imported' (once:
  what is on the topics already is not published again), judges them with this judge in one
  judge request (origin 'calibrate'), and prints per set the expected PAC, the measured PAC
  with its 95% interval, valid/invalid judgments and pass/fail (|measured - expected| <=
  tolerance). Exit 0: every set passed; ${CALIBRATION_MISSED}: a set missed; 1: an error; 130: interrupted.

  sets      --hub (default): from the Hugging Face hub, --revision main --split train
            --hub-url URL (HF_ENDPOINT), HF_TOKEN when set; downloads are cached by commit
            --calibration-dir DIR: offline, one file or folder per set, named after it:
            ${calibrationFileNames({ name: example, expectedPac: 100 }).join(' ')}
            (parquet, JSONL, one Arrow file, or a datasets save_to_disk folder), and so on
  columns   the reference's responses layout: issue_description, for_question,
            against_question, for_response, against_response (each {content, role} or text);
            id, issue_scale, category, article_title when present (no id: pairs numbered by
            row, and said). A set without them is refused, naming the columns it has. A side
            "No response" or empty is not judged (dead-lettered, as by valbench import)
  --tolerance ${DEFAULT_TOLERANCE} (points of PAC)
  judge     the options of valbench replay: --judge-provider ... --judge-model NAME
            --judge-temperature --judge-top-p --judge-max-output-tokens --rubric FILE --reverse
            --judge-attempts 3 --values FILE, simulated judge: --sim-* (valbench run --help)
  --concurrency 16 --metrics-port off --report-dir reports --timeout-seconds 3600
  --topic-prefix valbench. --partitions 6

  A judge id is a hash of model, endpoint, rubric, sampling, pair order and values: any of them
  changed is another judge, with its own calibration. valbench run --require-calibrated and
  valbench replay --require-calibrated read this judge's latest calibration back from the
  topics (its 'calibrate' judge request and the judgments of the four runs it names) and refuse
  the judge, before any model call, unless every set was judged and within ${DEFAULT_TOLERANCE} points.`;

function readSource(s: Settings, env: NodeJS.ProcessEnv): CalibrationSource {
  const dir = s.optionalString('calibration-dir');
  const hub = s.boolean('hub', false);
  const revision = s.optionalString('revision');
  // push_to_hub names a single split 'train' unless told otherwise.
  const split = s.string('split', 'train');
  if (dir !== null && hub)
    s.problems.push('--calibration-dir and --hub exclude each other: a local folder or the hub');
  if (dir !== null) {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      s.problems.push(`--calibration-dir ${dir}: no such folder`);
    if (revision !== null || s.optionalString('split') !== null)
      s.problems.push('--revision and --split choose a hub revision: not with --calibration-dir');
    return { kind: 'dir', dir };
  }
  return {
    kind: 'hub',
    revision: revision ?? 'main',
    split,
    hubUrl: s.string('hub-url', env['HF_ENDPOINT'] ?? 'https://huggingface.co'),
    token: registeredSecret(env['HF_TOKEN'] ?? env['HUGGING_FACE_HUB_TOKEN'] ?? null),
  };
}

function fixed(n: number): string {
  return n.toFixed(2);
}

function tableOf(sets: readonly SetOutcome[]): string[] {
  const rows = [
    ['set', 'expected PAC', 'measured PAC (95% CI)', 'valid / invalid', 'result'],
    ...sets.map((o) => [
      o.set.name,
      String(o.set.expectedPac),
      o.summary === null
        ? '-'
        : `${fixed(o.summary.pac)} (${fixed(o.summary.pacCiLow)}-${fixed(o.summary.pacCiHigh)})`,
      `${o.valid} / ${o.invalid}`,
      o.passed ? 'pass' : `FAIL: ${o.reason ?? ''}`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

/** `valbench calibrate`: the four calibration sets through a judge, pass or fail per set. */
export async function calibrateCommand(args: readonly string[]): Promise<number> {
  const {
    settings: s,
    env,
    help,
  } = readCommand(args, ['reverse', 'judge-simulator-hints', 'judge-values', 'hub'], process.env);
  if (help) {
    console.log(calibrateUsage);
    return 0;
  }
  const source = readSource(s, env);
  const settings: CalibrateSettings = {
    tolerance: s.number('tolerance', DEFAULT_TOLERANCE, { min: 0, max: 100 }),
    replay: {
      judge: readJudge(s, env),
      simulator: readSimulator(s),
      concurrency: s.number('concurrency', 16, { min: 1, max: 1024, integer: true }),
      pipeline: readPipeline(s),
      reportDir: s.string('report-dir', 'reports'),
      listen: readListen(s, 'metrics-port', null),
      timeoutSeconds: s.number('timeout-seconds', 3600, { min: 1 }),
      runtime: readStageRuntime(s),
    },
  };
  const level = logLevel(env, s);
  finishSettings(s);
  const logger = createLogger({
    level: env['LOG_LEVEL'] === undefined ? 'warn' : level,
    name: 'valbench-calibrate',
  });
  if (isSimulatedEndpoint(settings.replay.judge.provider))
    console.error(`(valbench simulator: judge simulated)`);
  const interrupt = interruptOnSignal(
    () => 'stopping: draining in-flight judge calls (again to exit now)',
  );
  try {
    const prepared = await prepareCalibration(source);
    for (const note of prepared.notes) console.error(note);
    const connection = await resolveConnection(env, 'valbench-calibrate', (line) => {
      console.error(line);
    });
    const outcome = await runCalibration(
      prepared.sets,
      settings,
      connection,
      logger,
      new Registry(),
      {
        interrupt: interrupt.signal,
      },
    );
    for (const note of outcome.notes) console.error(note);
    console.log(`judge ${outcome.judgeId}, tolerance ${settings.tolerance} points`);
    for (const line of tableOf(outcome.sets)) console.log(line);
    if (outcome.interrupted) {
      console.error('interrupted before every pair was judged; the same command resumes');
      return 130;
    }
    const missed = outcome.sets.filter((o) => !o.passed);
    if (missed.length === 0) {
      console.log(`calibrated: judge ${outcome.judgeId} passed every set`);
      return 0;
    }
    console.log(
      `not calibrated: judge ${outcome.judgeId} missed ${missed.map((o) => o.set.name).join(', ')}`,
    );
    return CALIBRATION_MISSED;
  } finally {
    interrupt.release();
  }
}
